import Foundation

/// The penalty of a `RateCorrection` chosen by its evidence (the marginal likelihood of the
/// measurements, MacKay's Laplace approximation) instead of by cross-validation.
///
/// Why: the ridge penalty is the ratio of the label noise to the spread of the rate shifts
/// one expects, `sigma^2 / tau^2`. Leave-one-out on ten networks estimates the error of
/// each penalty from ten noisy squared errors, one of which is often a label off by 30% or
/// more; the evidence uses all of them at once, each penalty's fit and how many directions
/// of the shifts the networks actually pin down (`log det` of the Hessian), so it picks
/// a penalty from the data without holding any network out.
extension RateCorrectionProblem {
    /// The correction whose penalty (on `grid`, `.infinity`: the common scale alone) has
    /// the largest evidence; with fewer than 3 networks the common scale alone.
    package func fitChoosingLambdaByEvidence(grid: [Double] = RateCorrection.lambdaGrid) -> RateCorrection {
        let scaleOnly = fit(lambda: .infinity)
        guard Set(networks.map(\.key)).count >= 3 else { return scaleOnly }
        var best = (correction: scaleOnly, evidence: logEvidence(of: scaleOnly))
        for lambda in grid where lambda.isFinite {
            let correction = fit(lambda: lambda)
            let evidence = logEvidence(of: correction)
            if evidence.isFinite, evidence > best.evidence { best = (correction, evidence) }
        }
        return best.correction
    }

    /// ln of the evidence of `correction`'s penalty, up to a constant the same for every
    /// penalty, with the noise variance profiled out:
    /// `-(n-1)/2 ln S + 1/2 sum of ln lambda_k - 1/2 ln det H`, where `S` is the penalised
    /// sum of squared log errors, `lambda_k` the penalty of each shrunk shift and `H` the
    /// Gauss-Newton Hessian of the penalised sum at the fit (the common scale unpenalised).
    /// The common scale alone (infinite penalty) is its limit: `-(n-1)/2 ln S - 1/2 ln n`.
    package func logEvidence(of correction: RateCorrection) -> Double {
        let n = Double(networks.count)
        let theta = correction.parameters
        let p = theta.count
        var row = [Double](repeating: 0, count: p)
        var hessian = [Double](repeating: 0, count: p * p)
        var penalised = 0.0
        for network in networks {
            let r = Self.residual(network, theta, jacobian: &row)
            penalised += r * r
            let nonzero = row.indices.filter { row[$0] != 0 }
            for a in nonzero { for b in nonzero { hessian[a * p + b] += row[a] * row[b] } }
        }
        guard correction.lambda.isFinite else {
            return -(n - 1) / 2 * Foundation.log(max(penalised, 1e-300)) - Foundation.log(max(n, 1e-300)) / 2
        }
        let penalties = Self.penalties(lambda: correction.lambda, parameterCount: p)
        var logPenalties = 0.0
        for k in 1..<p {
            penalised += penalties[k] * theta[k] * theta[k]
            hessian[k * p + k] += penalties[k]
            logPenalties += Foundation.log(penalties[k])
        }
        guard let logDet = CholeskyFactor(hessian, size: p)?.logDeterminant else { return -.infinity }
        return -(n - 1) / 2 * Foundation.log(max(penalised, 1e-300)) + logPenalties / 2 - logDet / 2
    }
}
