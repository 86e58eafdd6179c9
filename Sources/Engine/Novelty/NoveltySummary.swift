import Foundation

/// What a checkpoint keeps of its training networks so that every prediction can say how
/// novel its network is: the same capped, seeded sample of them in two spaces, the model's
/// pooled embedding and the op mix (`NoveltySpace`), the op types seen and the size range.
/// Written into the safetensors metadata as `novelty_summary` (JSON) by `narformer train`
/// and by the retrainer, so a model carries the summary of its own training data.
///
/// The score is the geometric mean of the network's distance ratios in the two spaces. Why
/// both: the embedding sees structure within an op mix but places some networks of a
/// family it never saw among known ones; the op mix places every new family apart but is
/// blind within one. Summaries written before the op-mix space existed, and those of cell
/// models (whose op mix says nothing: every cell has the same nodes), score by the
/// embedding alone.
public struct NoveltySummary: Sendable, Equatable {
    /// The model's pooled embedding of the sampled training networks.
    public var embedding: NoveltySpace
    /// Their op mix and size; nil in old summaries and for cell models.
    public var opMix: NoveltySpace?
    /// Training networks the summary describes (the sample is at most `sampleCap` of them).
    public var trainingCount: Int
    public var opTypes: Set<String>
    public var nodeRange: ClosedRange<Int>
    public var flopsRange: ClosedRange<Double>?

    public static let sampleCap = 512
    /// The score of a network whose vector cannot be compared with the sample.
    public static let unplaceable = 1e9

    /// The summary of the spaces and the traits of all training networks (the spaces hold a
    /// sample of them, `trainingCount` is how many there were).
    public init(embedding: NoveltySpace, opMix: NoveltySpace?, traits: [NetworkTraits], trainingCount: Int) {
        self.embedding = embedding
        self.opMix = opMix
        self.trainingCount = trainingCount
        opTypes = traits.reduce(into: Set<String>()) { $0.formUnion($1.opTypes) }
        let nodes = traits.map(\.nodeCount)
        nodeRange = (nodes.min() ?? 0)...(nodes.max() ?? 0)
        let flops = traits.compactMap(\.flops)
        flopsRange = flops.count == traits.count && !flops.isEmpty ? flops.min()!...flops.max()! : nil
    }

    /// The score alone: the embedding ratio, or with an op-mix space the geometric mean of
    /// the two ratios (`opMix` is the network's op-mix vector, needed only then).
    public func score(embedding vector: [Float], opMix mix: [Float]?) -> Double {
        parts(embedding: vector, opMix: mix).score
    }

    /// The novelty of one network from its raw (unstandardised) vectors and its traits.
    public func novelty(embedding vector: [Float], opMix mix: [Float]?, traits: NetworkTraits?) -> Novelty {
        let (score, embeddingRatio, opMixRatio) = parts(embedding: vector, opMix: mix)
        var reasons: [String] = []
        if let traits {
            let unseen = traits.opTypes.subtracting(opTypes).sorted()
            if !unseen.isEmpty { reasons.append("op types none of its training networks had: " + unseen.joined(separator: ", ")) }
            if !nodeRange.contains(traits.nodeCount) {
                reasons.append("\(traits.nodeCount) nodes, outside the trained \(nodeRange.lowerBound)-\(nodeRange.upperBound)")
            }
            if let flops = traits.flops, let range = flopsRange, !range.contains(flops) {
                reasons.append(String(format: "%.3g GFLOPs, outside the trained %.3g-%.3g", flops / 1e9,
                                      range.lowerBound / 1e9, range.upperBound / 1e9))
            }
        }
        if score >= Novelty.high, reasons.isEmpty {
            var reason = String(format: "%.1fx farther from its nearest training networks than they are from theirs", score)
            if let opMixRatio, score < Self.unplaceable {
                reason += String(format: " (%.1fx in the model's embedding, %.1fx in op mix and size)", embeddingRatio, opMixRatio)
            }
            reasons.append(reason)
        }
        return Novelty(score: score, reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "))
    }

    /// The score and the ratio in each space (the op-mix one nil without that space).
    private func parts(embedding vector: [Float], opMix mix: [Float]?) -> (score: Double, embedding: Double, opMix: Double?) {
        let e = embedding.distanceRatio(vector)
        guard let opMix else { return (e.isFinite ? e : Self.unplaceable, e, nil) }
        let m = opMix.distanceRatio(mix ?? [])
        // A vector of another width in either space cannot be placed: the most novel finite
        // score (JSON has no infinity).
        guard e.isFinite, m.isFinite else { return (Self.unplaceable, e, m) }
        return ((e * m).squareRoot(), e, m)
    }
}
