/// How far one network lies from the networks a model was trained on, and why when far.
///
/// `score` is the geometric mean, over the summary's spaces (the model's embedding, and op
/// mix and size where the summary has it: `NoveltySummary`), of the mean distance to the
/// `k` nearest training networks divided by those networks' own mean distance to their `k`
/// nearest (the local scale, `NoveltySpace`): about 1 for a network like the training
/// networks near it, 2 or more for one twice as far from them as they are from theirs
/// (`high`). `reason` is set when the score is
/// high or the network has something the training data had not: ops without a token slot,
/// op types no training network had, a size outside the trained range.
public struct Novelty: Sendable, Equatable, Codable {
    public var score: Double
    public var reason: String?

    /// From this score on a prediction is called novel (a reason is always given). 1 of the
    /// shipped latency model's 720 training networks reaches it and every transformer
    /// network does (docs/continual-learning.md, "Novelty with every prediction").
    public static let high = 2.0

    public init(score: Double, reason: String? = nil) {
        self.score = score
        self.reason = reason
    }

    /// The same score with the import's unknown ops (no token slot, so the model reads
    /// them as nothing) named first in the reason.
    public func adding(unknownOps: [String: Int]) -> Novelty {
        guard !unknownOps.isEmpty else { return self }
        let named = unknownOps.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
        let first = "ops the model has no token for: \(named)"
        return Novelty(score: score, reason: reason.map { first + "; " + $0 } ?? first)
    }
}
