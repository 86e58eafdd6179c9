import Foundation

/// What one retrain of a platform did, for logs, `narformer retrain` and the store's
/// `retrain.<platform>.outcome`.
package struct RetrainReport: Sendable, Equatable {
    package enum Decision: Sendable, Equatable, CustomStringConvertible {
        case promoted
        case rejected
        /// Nothing was trained; the reason says why (too little data, stopped, an error).
        case skipped(String)
        /// Would have been promoted, but waits for a person; the reason says why (`ScaleHold`).
        case held(String)

        /// "promoted", "rejected", "held: <reason>" or "skipped: <reason>", for tables.
        package var description: String {
            switch self {
            case .promoted: return "promoted"
            case .rejected: return "rejected"
            case .held(let reason): return "held: " + reason
            case .skipped(let reason): return "skipped: " + reason
            }
        }
    }

    package var platform: String
    package var decision: Decision
    /// The new version (promoted, rejected or held); nil when skipped.
    package var version: Int?
    /// The version the candidate was compared with (0: the default model); nil: none.
    package var comparedWith: Int?
    /// Holdout metrics in the promotion rule's units (mape and acc10 in percent).
    package var candidateMetrics: [String: Double] = [:]
    package var comparedMetrics: [String: Double] = [:]
    package var trainingSize = 0
    package var holdoutSize = 0
    /// Measurements whose network tokens are unknown (see MeasuredTokenStore).
    package var withoutTokens = 0
    /// The kind of network the candidate reads, and measurements of the other kind, which
    /// it does not train on (see `PlatformSamples`).
    package var trainedKind: PlatformSamples.Kind = .network
    package var otherKind = 0
    /// Measurements averaged into another of the same network and batch size.
    package var repeats = 0
    /// Folds of the cross-validation that judged the candidate; nil: the fixed holdout.
    package var crossValidationFolds: Int?
    /// The comparison was narrowed to networks the compared version never trained on.
    package var judgedOnUnseen = false
    /// Stored predictions made again with the promoted model (`recompute_predictions`).
    package var recomputedPredictions: Int?
    /// For cell measurements: the known device the candidate's cell priors were centred on.
    package var cellPrior: String?
    /// For whole networks: the platform of the shipped model the candidate started from,
    /// when it was chosen among several (`PriorChoice`).
    package var networkPrior: String?
    /// Weights files of old rejected versions deleted after this retrain
    /// (`retraining.keep_rejected`), and any left in place with the reason.
    package var weightsRemoval = RejectedWeights.Removal()

    /// A line for the log and `narformer retrain` when old rejected versions lost their
    /// weights files; nil when none did.
    package var weightsRemovalNote: String? {
        guard !weightsRemoval.versions.isEmpty else { return nil }
        let versions = weightsRemoval.versions.map { "v\($0)" }.joined(separator: ", ")
        return "weights of rejected \(versions) of \(platform) removed (older than the newest kept by retraining.keep_rejected)"
    }

    /// One line, e.g. `promoted v3: mape 6.10% (active v2: 7.40%), 412 trained, 98 held out`.
    package var summary: String {
        func mape(_ metrics: [String: Double]) -> String {
            metrics["mape"].map { String(format: "%.2f%%", $0) } ?? "-"
        }
        let judged = (crossValidationFolds.map { "judged by \($0)-fold cross-validation" } ?? "\(holdoutSize) held out")
            + (judgedOnUnseen ? " (compared on the \(holdoutSize) its rival never trained on)" : "")
        let unused = PlatformSamples.unusedNote(kind: trainedKind, withoutTokens: withoutTokens, otherKind: otherKind,
                                                repeats: repeats)
        let sizes = "\(trainingSize) trained, \(judged)\(unused)" + (cellPrior.map { ", cell prior \($0)" } ?? "")
            + (networkPrior.map { ", started from the \($0) model (of the shipped ones, it lies closest to the measurements after one scale)" } ?? "")
        let against = comparedWith.map { " (\($0 == 0 ? "default model" : "active v\($0)"): \(mape(comparedMetrics)))" }
            ?? " (no model to compare with)"
        switch decision {
        case .promoted:
            return "promoted v\(version ?? 0): mape \(mape(candidateMetrics))\(against), \(sizes)"
        case .rejected:
            return "rejected v\(version ?? 0): mape \(mape(candidateMetrics))\(against), \(sizes)"
        case .skipped(let reason):
            return "skipped: \(reason)"
        case .held(let reason):
            return "held v\(version ?? 0) for a person: \(reason); mape \(mape(candidateMetrics))\(against), \(sizes)"
        }
    }
}
