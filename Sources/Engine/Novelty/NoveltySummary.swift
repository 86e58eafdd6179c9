import Foundation

/// What a checkpoint keeps of its training networks so that every prediction can say how
/// novel its network is: a capped, seeded sample of their novelty vectors (standardised),
/// the sample's typical nearest-neighbour distance, the op types seen and the size range.
/// Written into the safetensors metadata as `novelty_summary` (JSON) by `narformer train`
/// and by the retrainer, so a model carries the summary of its own training data.
public struct NoveltySummary: Sendable, Equatable {
    /// What the vectors are.
    public enum Method: String, Sendable, Codable, CaseIterable {
        /// The model's pooled embedding (`NARFormerModel.predictWithEmbeddings`).
        case embedding
        /// Op mix and size from the tokens (`NetworkTraits.opMixVector`): model-free.
        case opMix = "op-mix"
    }

    public var method: Method
    /// Neighbours averaged over.
    public var k: Int
    /// Floats per vector.
    public var width: Int
    /// Per-dimension mean and standard deviation of the sample: vectors are standardised
    /// with them before distances are taken, so no dimension dominates by its unit.
    public var center: [Float]
    public var spread: [Float]
    /// The standardised sample, `count x width`, row-major.
    public var vectors: [Float]
    /// Median over the sample of each vector's mean distance to its `k` nearest others.
    public var typicalDistance: Double
    /// Training networks the summary describes (the sample is at most `sampleCap` of them).
    public var trainingCount: Int
    public var opTypes: Set<String>
    public var nodeRange: ClosedRange<Int>
    public var flopsRange: ClosedRange<Double>?

    public static let sampleCap = 512
    /// The score of a network whose vector cannot be compared with the sample.
    public static let unplaceable = 1e9
    public static let defaultK = 5

    public var count: Int { width > 0 ? vectors.count / width : 0 }

    /// The novelty of one network from its raw (unstandardised) vector and its traits.
    public func novelty(vector: [Float], traits: NetworkTraits?) -> Novelty {
        // A vector of another width cannot be placed: the most novel finite score (JSON has no infinity).
        let ratio = vector.count == width ? distanceRatio(vector) : .infinity
        let score = ratio.isFinite ? ratio : Self.unplaceable
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
            reasons.append(String(format: "%.1fx farther from its nearest training networks than they are from each other",
                                  score))
        }
        return Novelty(score: score, reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "))
    }

    /// Mean distance of `vector` to its `k` nearest sample vectors over `typicalDistance`.
    func distanceRatio(_ vector: [Float]) -> Double {
        var standardized = vector
        for j in 0..<width { standardized[j] = (vector[j] - center[j]) / spread[j] }
        let distances = standardized.withUnsafeBufferPointer { q in
            vectors.withUnsafeBufferPointer { v in Self.distances(from: q, to: v, width: width, skipping: nil) }
        }
        return Self.meanOfSmallest(distances, k) / typicalDistance
    }

    /// Euclidean distances from `query` to every row of `rows`, leaving out row `skipping`.
    static func distances(from query: UnsafeBufferPointer<Float>, to rows: UnsafeBufferPointer<Float>,
                          width: Int, skipping: Int?) -> [Double] {
        let count = rows.count / width
        var out: [Double] = []
        out.reserveCapacity(count)
        for r in 0..<count where r != skipping {
            var sum: Float = 0
            let base = r * width
            for j in 0..<width {
                let d = query[j] - rows[base + j]
                sum += d * d
            }
            out.append(Double(sum).squareRoot())
        }
        return out
    }

    /// The mean of the `k` smallest values (all of them when fewer).
    static func meanOfSmallest(_ values: [Double], _ k: Int) -> Double {
        guard !values.isEmpty else { return .infinity }
        let take = min(max(1, k), values.count)
        var smallest: [Double] = []
        smallest.reserveCapacity(take + 1)
        for v in values {
            if smallest.count < take {
                smallest.append(v)
                smallest.sort()
            } else if v < smallest[take - 1] {
                smallest[take - 1] = v
                smallest.sort()
            }
        }
        return smallest.reduce(0, +) / Double(take)
    }
}

extension NoveltySummary {
    /// A summary of `vectors` (raw, of the sampled training networks: the caller keeps to
    /// `sampleCap`), the traits of all training networks and their count.
    /// Nil with fewer than two vectors: no typical distance exists.
    public init?(method: Method, vectors raw: [[Float]], traits: [NetworkTraits], trainingCount: Int, k: Int = defaultK) {
        guard raw.count >= 2, let width = raw.first?.count, width > 0, raw.allSatisfy({ $0.count == width }) else { return nil }
        let sample = raw
        var center = [Float](repeating: 0, count: width), spread = center
        for v in sample { for j in 0..<width { center[j] += v[j] } }
        for j in 0..<width { center[j] /= Float(sample.count) }
        for v in sample { for j in 0..<width { spread[j] += (v[j] - center[j]) * (v[j] - center[j]) } }
        // A constant dimension (a unit no training network moves) is kept in raw units.
        for j in 0..<width {
            let sd = (spread[j] / Float(sample.count)).squareRoot()
            spread[j] = sd > 1e-6 ? sd : 1
        }
        var flat: [Float] = []
        flat.reserveCapacity(sample.count * width)
        for v in sample { for j in 0..<width { flat.append((v[j] - center[j]) / spread[j]) } }
        let kUsed = min(k, sample.count - 1)
        let own: [Double] = flat.withUnsafeBufferPointer { all in
            (0..<sample.count).map { r in
                let query = UnsafeBufferPointer(rebasing: all[(r * width)..<((r + 1) * width)])
                return Self.meanOfSmallest(Self.distances(from: query, to: all, width: width, skipping: r), kUsed)
            }
        }.sorted()
        let median = own[own.count / 2]
        self.method = method
        self.k = kUsed
        self.width = width
        self.center = center
        self.spread = spread
        self.vectors = flat
        // Identical training networks (distance 0) must not make every other one infinitely novel.
        self.typicalDistance = max(median, 1e-6)
        self.trainingCount = trainingCount
        opTypes = traits.reduce(into: Set<String>()) { $0.formUnion($1.opTypes) }
        let nodes = traits.map(\.nodeCount)
        nodeRange = (nodes.min() ?? 0)...(nodes.max() ?? 0)
        let flops = traits.compactMap(\.flops)
        flopsRange = flops.count == traits.count && !flops.isEmpty ? flops.min()!...flops.max()! : nil
    }
}
