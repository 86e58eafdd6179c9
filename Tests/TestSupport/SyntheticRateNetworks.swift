import Engine
import Foundation
import Learning

/// Rate-correction problems with a known answer, for the rate-correction tests.
package enum SyntheticRateNetworks {
    /// `count` networks of groups 0 and 1 in random proportions: everything runs at 0.5 x
    /// the prior, group 1's compute a further `factor` x; each label has log noise of
    /// standard deviation `noise`.
    package static func networks(count: Int, factor: Double, noise: Double, seed: UInt64) -> [RateCorrectionProblem.Network] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { i -> RateCorrectionProblem.Network in
            let a = 0.1 + 0.8 * Double(rng.nextUnit())
            let parts = [RateCorrectionProblem.Part(groups: [0], shares: [a * 0.8, a * 0.2, 0]),
                         RateCorrectionProblem.Part(groups: [1], shares: [(1 - a) * 0.7, (1 - a) * 0.3, 0])]
            // Box-Muller: a normal deviate from two uniforms.
            let u1 = max(Double(rng.nextUnit()), 1e-12), u2 = Double(rng.nextUnit())
            let gaussian = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
            let truth = 0.5 * (a + (1 - a) * (0.7 * factor + 0.3))
            return RateCorrectionProblem.Network(parts: parts, logRatio: Foundation.log(truth) + noise * gaussian, key: "n\(i)")
        }
    }
}
