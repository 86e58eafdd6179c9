import Foundation

/// The rate correction averaged over the penalties of the grid, each weighted by its
/// evidence (Bayesian model averaging over the penalty), instead of the one penalty with
/// the largest evidence.
///
/// Why: on ten networks the evidence of neighbouring penalties is often within a unit of
/// log, and picking one of them moves every group by that penalty's whole amount; the
/// average moves them by what the penalties agree on. The shifts are averaged (not the
/// predictions), so the result is again one correction that is written into the weights.
extension RateCorrectionProblem {
    /// The evidence-weighted mean of the corrections of `grid`'s penalties (the common scale
    /// alone for the infinite one); with fewer than 3 networks the common scale alone. Its
    /// `lambda` is the penalty of largest evidence.
    package func fitAveragingOverPenalties(grid: [Double] = RateCorrection.lambdaGrid) -> RateCorrection {
        let scaleOnly = fit(lambda: .infinity)
        guard Set(networks.map(\.key)).count >= 3 else { return scaleOnly }
        let fits = grid.map { lambda in lambda.isFinite ? fit(lambda: lambda) : scaleOnly }
        let evidences = fits.map { logEvidence(of: $0) }
        guard let top = evidences.filter(\.isFinite).max(),
              let best = evidences.firstIndex(of: top) else { return scaleOnly }
        let weights = evidences.map { $0.isFinite ? Foundation.exp($0 - top) : 0 }
        let total = weights.reduce(0, +)
        var theta = [Double](repeating: 0, count: parameterCount)
        for (correction, weight) in zip(fits, weights) where weight > 0 {
            for (k, value) in correction.parameters.enumerated() { theta[k] += weight / total * value }
        }
        return RateCorrection(parameters: theta, groups: groupCount, penalty: fits[best].penalty)
    }
}
