import Foundation

/// How far predictions lie from measurements once one scale is fitted: the standard
/// deviation of ln(measured / predicted). The rule both prior choices share (the shipped
/// whole-network models, `PriorChoice`, and the known NAS-Bench-201 devices,
/// `CellPriorAdaptation`): a prior is for how costs compare between networks, its level
/// is refitted anyway. Ranks say the same in order only, and on a few measurements of very
/// different sizes most priors order them alike, so ranks choose by noise
/// (docs/continual-learning.md, "Which shipped model a new platform starts from").
package enum SpreadAfterScale {
    /// NaN when a value is not positive or there are fewer than 2 pairs.
    package static func of(predicted: [Double], measured: [Double]) -> Double {
        precondition(predicted.count == measured.count)
        guard predicted.count >= 2 else { return .nan }
        var logRatios: [Double] = []
        logRatios.reserveCapacity(predicted.count)
        for (p, m) in zip(predicted, measured) {
            guard p > 0, m > 0 else { return .nan }
            logRatios.append(log(m / p))
        }
        let mean = logRatios.reduce(0, +) / Double(logRatios.count)
        return (logRatios.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(logRatios.count)).squareRoot()
    }
}
