import Engine
import Foundation

/// Which measurements a fine-tune weighs up: those the adapted start model does not
/// already fit, so that its steps go to what is new rather than to re-fitting what it knew.
///
/// Why: a platform that measured hundreds of networks of the families its model was trained
/// on and then a few dozen of new families trains on all of them; with equal weights the
/// old ones, already fitted, set most of the gradient, and the fine-tune drifts on them
/// while moving the new ones little (docs/continual-learning.md, "New families on a known
/// platform").
package enum FineTuneEmphasis: Sendable, Equatable {
    /// Every measurement weighs 1.
    case none
    /// A measurement weighs its start model's absolute log error over the median one (at
    /// least 1%), between 1 and `cap`: those fitted as well as most weigh 1, those it misses more up
    /// to `cap`.
    case startError(cap: Double)
    /// A measurement weighs its novelty score against the start model's training networks
    /// (about 1 for a network like them), between 1 and `cap`; all 1 when the start model
    /// carries no novelty summary.
    case novelty(cap: Double)

    /// The log error below which a measurement counts as fitted (`startError`).
    static let noiseError = 0.01

    /// The weight of each of `samples` (same order) for a fine-tune of `start` (already
    /// adapted to the platform's level and rates).
    package func weights(for samples: [MeasuredSample], start: TrainedModel) throws -> [Float] {
        switch self {
        case .none:
            return Array(repeating: 1, count: samples.count)
        case .startError(let cap):
            let predicted = try CandidateTraining.predict(start, samples)
            let errors = zip(samples, predicted).map { sample, prediction -> Double in
                let error = abs(log(prediction / Double(sample.latencyMs)))
                return error.isFinite ? error : 0
            }
            // Errors under 1% are within a benchmark's own noise: not a miss to weigh up.
            let median = max(errors.isEmpty ? 0 : errors.sorted()[errors.count / 2], Self.noiseError)
            return errors.map { Float(min(max($0 / median, 1), cap)) }
        case .novelty(let cap):
            guard let novelty = try start.predictWithNovelty(samples.map(\.graph), batchSize: 64).novelty else {
                return Array(repeating: 1, count: samples.count)
            }
            return novelty.map { Float(min(max($0.score.isFinite ? $0.score : cap, 1), cap)) }
        }
    }
}
