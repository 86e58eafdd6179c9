import Foundation
import Learning

/// The rate correction's penalty chosen by cross-validation, as the retrainer chose it
/// before it chose by the evidence (`fitChoosingLambdaByEvidence`); `narformer-lab bench
/// rate-fit` compares the two (docs/continual-learning.md, "Choosing the penalty").
extension RateCorrectionProblem {
    /// The correction with the penalty cross-validation prefers (folds grouped by key,
    /// at most 10; the one-standard-error rule, or with `oneStandardError` false the smallest
    /// error); with fewer than 3 networks only the common scale is fitted. The retrainer
    /// chose its penalty this way before the evidence; the lab compares the two.
    package func fitChoosingLambda(oneStandardError: Bool = true) -> RateCorrection {
        let keys = Array(Set(networks.map(\.key))).sorted()
        guard keys.count >= 3 else { return fit(lambda: .infinity) }
        // Leave-one-out up to 10 networks, then 10 folds.
        let folds = min(10, keys.count)
        let foldOfKey = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0 % folds) })
        // Out-of-fold squared log error of every network, per penalty.
        let errors = RateCorrection.lambdaGrid.map { lambda -> [Double] in
            var out: [Double] = []
            for fold in 0..<folds {
                let train = RateCorrectionProblem(groupCount: groupCount,
                                                  networks: networks.filter { foldOfKey[$0.key] != fold })
                let correction = train.fit(lambda: lambda)
                for network in networks where foldOfKey[network.key] == fold {
                    let r = Self.residual(network, correction.parameters)
                    out.append(r * r)
                }
            }
            return out
        }
        // The one-standard-error rule: the strongest penalty whose error is within one
        // standard error of the smallest. Ten networks' cross-validation errors are noisy,
        // and a penalty that only seems better by noise moves the rates the wrong way.
        let means = errors.map { $0.reduce(0, +) / Double(max($0.count, 1)) }
        guard let bestIndex = means.indices.min(by: { means[$0] < means[$1] }) else { return fit(lambda: .infinity) }
        let best = errors[bestIndex]
        let variance = best.reduce(0) { $0 + ($1 - means[bestIndex]) * ($1 - means[bestIndex]) } / Double(max(best.count - 1, 1))
        let tolerance = means[bestIndex] + (variance / Double(max(best.count, 1))).squareRoot()
        let chosen = oneStandardError ? (means.indices.first { means[$0] <= tolerance } ?? bestIndex) : bestIndex
        return fit(lambda: RateCorrection.lambdaGrid[chosen])
    }

}
