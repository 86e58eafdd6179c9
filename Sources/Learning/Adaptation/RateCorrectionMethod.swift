import Foundation

/// How a retrain fits a node-cost model's `RateCorrection`: which penalties the evidence
/// chooses (one for every shift, or one for the terms and one for the groups, the groups
/// few networks carry held harder) and whether the log error's loss is robust.
package struct RateCorrectionMethod: Sendable, Equatable, CustomStringConvertible {
    /// Separate penalties for term and group shifts (`fitChoosingPenaltiesByEvidence`).
    package var twoLevel: Bool
    /// Groups carried by few networks penalised harder (`RateCorrectionPenalty.supportScaled`).
    package var supportScaled: Bool
    /// A heavy-tailed loss by reweighting (`fitRobustly`); nil: squared log error.
    package var robust: RateCorrectionRobustLoss?
    /// The corrections of every penalty averaged by their evidence (`fitAveragingOverPenalties`)
    /// instead of the one of largest evidence; one penalty level only.
    package var averaged: Bool

    package init(twoLevel: Bool = false, supportScaled: Bool = false, robust: RateCorrectionRobustLoss? = nil,
                 averaged: Bool = false) {
        self.averaged = averaged
        self.twoLevel = twoLevel
        self.supportScaled = supportScaled
        self.robust = robust
    }

    /// The retrainer's method.
    package static let shipped = RateCorrectionMethod()

    /// The correction of `problem` by this method.
    package func fit(_ problem: RateCorrectionProblem) -> RateCorrection {
        let choose = { (p: RateCorrectionProblem) -> RateCorrection in
            averaged ? p.fitAveragingOverPenalties()
                : twoLevel ? p.fitChoosingPenaltiesByEvidence(supportScaled: supportScaled)
                : p.fitChoosingLambdaByEvidence(supportScaled: supportScaled)
        }
        guard let robust else { return choose(problem) }
        return problem.fitRobustly(loss: robust, fit: choose)
    }

    /// Parsed from `evidence`, `averaged` or `two-level`, each optionally followed by `+support`,
    /// `+huber` (k 1.5) or `+t4` (Student's t, 4 degrees of freedom); nil when not one of those.
    package init?(name: String) {
        var parts = name.split(separator: "+").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let base = parts.first, ["evidence", "averaged", "two-level"].contains(base) else { return nil }
        self.init(twoLevel: base == "two-level", averaged: base == "averaged")
        parts.removeFirst()
        for part in parts {
            switch part {
            case "support": supportScaled = true
            case "huber": robust = .huber(k: 1.5)
            case "t4": robust = .studentT(nu: 4)
            default: return nil
            }
        }
    }

    package var description: String {
        var name = averaged ? "averaged" : twoLevel ? "two-level" : "evidence"
        if supportScaled { name += "+support" }
        switch robust {
        case .huber?: name += "+huber"
        case .studentT?: name += "+t4"
        case nil: break
        }
        return name
    }
}
