import Foundation

/// What one retrain of a platform did, for logs, `narformer retrain` and the store's
/// `retrain.<platform>.outcome`.
struct RetrainReport: Sendable, Equatable {
    enum Decision: Sendable, Equatable {
        case promoted
        case rejected
        /// Nothing was trained; the reason says why (too little data, stopped, an error).
        case skipped(String)
    }

    var platform: String
    var decision: Decision
    /// The new version (promoted or rejected); nil when skipped.
    var version: Int?
    /// The version the candidate was compared with (0: the default model); nil: none.
    var comparedWith: Int?
    /// Holdout metrics in the promotion rule's units (mape and acc10 in percent).
    var candidateMetrics: [String: Double] = [:]
    var comparedMetrics: [String: Double] = [:]
    var trainingSize = 0
    var holdoutSize = 0
    /// Measurements whose network tokens are unknown (see MeasuredTokenStore).
    var withoutTokens = 0
    /// Stored predictions made again with the promoted model (`recompute_predictions`).
    var recomputedPredictions: Int?

    /// One line, e.g. `promoted v3: mape 6.10% (active v2: 7.40%), 412 trained, 98 held out`.
    var summary: String {
        func mape(_ metrics: [String: Double]) -> String {
            metrics["mape"].map { String(format: "%.2f%%", $0) } ?? "-"
        }
        let sizes = "\(trainingSize) trained, \(holdoutSize) held out"
            + (withoutTokens > 0 ? ", \(withoutTokens) without tokens" : "")
        let against = comparedWith.map { " (\($0 == 0 ? "default model" : "active v\($0)"): \(mape(comparedMetrics)))" }
            ?? " (no model to compare with)"
        switch decision {
        case .promoted:
            return "promoted v\(version ?? 0): mape \(mape(candidateMetrics))\(against), \(sizes)"
        case .rejected:
            return "rejected v\(version ?? 0): mape \(mape(candidateMetrics))\(against), \(sizes)"
        case .skipped(let reason):
            return "skipped: \(reason)"
        }
    }
}
