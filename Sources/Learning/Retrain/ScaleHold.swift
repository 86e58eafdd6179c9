import Config
import Foundation

/// The rule that holds a retrain candidate for a person instead of promoting it: its latency
/// scale (the level the retrain calibrated its predictions to, `TrainedModel.targetScale`)
/// is more than `retraining.hold_scale_factor` times above or below the serving model's.
/// Measurements in the wrong unit look like that (microseconds recorded as milliseconds are
/// a factor of 1000); promoted unasked, they would move every prediction of the platform.
package struct ScaleHold: Sendable, Equatable {
    /// `retraining.hold_scale_factor`, more than 1.
    package var factor: Double

    package init(factor: Double) {
        self.factor = factor
    }

    /// Why a candidate whose scale is `ratio` times the serving model's is held; nil when
    /// it may be promoted (within the factor, or no ratio to judge by).
    package func reason(ratio: Double?, serving: String) -> String? {
        guard let ratio, ratio.isFinite, ratio > 0, max(ratio, 1 / ratio) > factor else { return nil }
        return Self.describe(ratio: ratio, serving: serving)
            + String(format: " (more than retraining.hold_scale_factor %g); measurements in the wrong unit "
                     + "(microseconds as ms) look like this", factor)
    }

    /// "its latency scale is 1013x the default model's" or "... 1/250 of active v3's".
    package static func describe(ratio: Double, serving: String) -> String {
        let amount = ratio >= 1 ? String(format: "%.0fx", ratio) : String(format: "1/%.0f of", 1 / ratio)
        return "its latency scale is \(amount) \(serving)'s"
    }

    /// The ratio of a candidate's scale to the serving model's, when both are known.
    package static func ratio(candidate: Double, serving: Double?) -> Double? {
        guard let serving, serving > 0, serving.isFinite, candidate > 0, candidate.isFinite else { return nil }
        return candidate / serving
    }

    /// The ratio of two models' levels on the same networks: the geometric mean of
    /// candidate / serving prediction. For models whose level is not one number (a cell
    /// model's level lies in its per-edge base); nil when the serving model could not predict them.
    package static func ratio(candidatePredictions: [Double], servingPredictions: [Double]?) -> Double? {
        guard let servingPredictions, servingPredictions.count == candidatePredictions.count,
              !servingPredictions.isEmpty else { return nil }
        let logs = zip(candidatePredictions, servingPredictions).compactMap { c, s in c > 0 && s > 0 ? log(c / s) : nil }
        return logs.isEmpty ? nil : exp(logs.reduce(0, +) / Double(logs.count))
    }

    /// The serving model's name in a reason: "the default model" or "active v3".
    package static func servingName(version: Int?) -> String {
        guard let version, version > 0 else { return "the default model" }
        return "active v\(version)"
    }
}
