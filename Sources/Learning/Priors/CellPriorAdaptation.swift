import Engine
import Foundation

/// A new platform's additive cell-latency profile (`NB201EdgeCosts`, in ms) from its
/// measured cells and the known devices' profiles (`CellPriors`):
///
/// 1. **Choice.** The known device whose profile lies closest to the measured cells after
///    one scale (`SpreadAfterScale`) is the prior's centre: the few measurements play the
///    role of HELP's hardware embedding. (Closest in ranks, the rule before, chose worse:
///    mean rho 0.943 against 0.966 from 5 cells and 0.968 against 0.970 from 10, over the
///    21 devices each left out and five arrival orders.)
/// 2. **Scale.** The platform's level: the median of ln(measured / chosen profile).
/// 3. **Posterior.** A Bayesian linear regression of the measurements (in the chosen
///    scale) on the cell's 25 edge features, with the prior N(chosen profile, covariance
///    of all known profiles + `ridge` I) and one noise level for every cell,
///    `relativeNoise` times the median measurement: with few cells the result stays near
///    the chosen device and moves mostly along directions in which known devices differ;
///    with many it approaches the platform's own least squares. (A noise proportional to
///    each measurement instead would trust a cell recorded at 0.004 ms, as pixel3 has, a
///    thousand times more than its neighbours.)
/// 4. **Own fit.** From `ownFitMinimum` cells the profile is the platform's own op-count
///    least squares (`NB201OpCountBaseline`) and the priors only name the nearest device:
///    the prior's pull shrinks with the cells (0.0012 mean rho at 400, 0.0005 at 800, about
///    0.0001 at 1563) while it still costs rank on some devices.
///
/// The constants were chosen on the 21 devices each left out (docs/continual-learning.md):
/// a larger ridge (1e-3 to 1e-2) was worse at 10 to 200 cells, even with every device of
/// the left-out one's GPU family removed from the priors.
package struct CellPriorAdaptation: Sendable {
    package var priors: CellPriors
    /// Standard deviation of a measurement's error as a share of the median measurement.
    package var relativeNoise = 0.1
    /// Added to the diagonal of the known profiles' covariance: lets the posterior move
    /// along directions no known device varies in, a little.
    package var ridge = 1e-4
    /// From this many cells the ridge is chosen from `ridgeGrid` by the exact leave-one-out
    /// error of each posterior: a device unlike every known one in some direction (no
    /// known device varies there) must be able to leave the prior once its measurements
    /// say so, which a fixed small ridge forbids.
    package var ridgeSelectionMinimum = 50
    static let ridgeGrid = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10]
    /// From this many cells the profile is the platform's own op-count least squares.
    package var ownFitMinimum = defaultOwnFitMinimum
    /// Measured: docs/continual-learning.md, "A known device with all its training cells".
    package static let defaultOwnFitMinimum = 1000

    package init(priors: CellPriors) {
        self.priors = priors
    }

    package struct Result: Sendable {
        /// The platform's profile in ms.
        package var costs: NB201EdgeCosts
        /// The known device the prior was centred on; nil when the measurements cannot tell
        /// devices apart (fewer than 2 distinct values): then the mean of all known profiles.
        package var source: String?
        /// Spearman of the source's profile on the measured cells.
        package var sourceRho: Double
        /// ms per relative-cost unit of the chosen profile.
        package var scale: Double
        /// The ridge the posterior used; infinite for the own fit (a flat prior).
        package var ridge: Double
        /// Whether the profile is the platform's own op-count least squares (`ownFitMinimum`).
        package var ownFit: Bool
    }

    /// `cells`: each measured cell's six operations and its latency in ms (positive).
    package func adapt(cells: [(ops: [Int], latencyMs: Double)]) throws -> Result {
        guard !cells.isEmpty else { throw CellPriors.Problem(description: "no measured cell to adapt the cell priors to") }
        let names = priors.devices.keys.sorted()
        guard !names.isEmpty else { throw CellPriors.Problem(description: "the cell priors hold no device") }
        let profiles = try names.map { try priors.devices[$0]!.costs }
        let measured = cells.map(\.latencyMs)
        // Fewer than 2 distinct measurements say nothing of how costs compare: no choice.
        var chosen: (index: Int, spread: Double)?
        if Set(measured).count >= 2 {
            for (index, profile) in profiles.enumerated() {
                let spread = SpreadAfterScale.of(predicted: cells.map { profile.predict($0.ops) }, measured: measured)
                guard spread.isFinite else { continue }
                if chosen == nil || spread < chosen!.spread { chosen = (index, spread) }
            }
        }
        let best = chosen.map { choice in
            (index: choice.index, rho: Metrics.spearman(cells.map { profiles[choice.index].predict($0.ops) }, measured))
        }
        let n = NB201EdgeCosts.featureCount
        let mean = (0..<n).map { j in profiles.reduce(0) { $0 + $1.coefficients[j] } / Double(profiles.count) }
        let centre = best.map { profiles[$0.index].coefficients } ?? mean
        let centreFloor = best.map { profiles[$0.index].floor } ?? profiles.map(\.floor).min()!
        let centreCosts = try NB201EdgeCosts(coefficients: centre, floor: centreFloor)
        let logRatios = cells.map { Foundation.log($0.latencyMs / centreCosts.predict($0.ops)) }.sorted()
        let scale = Foundation.exp(Self.median(logRatios))
        // The floor: the chosen device's, at this level, or half the cheapest measured cell when lower.
        let floor = Swift.min(centreFloor * scale, measured.min()! / 2)
        let source = best.map { names[$0.index] }
        if cells.count >= ownFitMinimum {
            let own = try NB201OpCountBaseline(training: try cells.map { try NB201EdgeOps(ops: $0.ops) }, targets: measured)
            return Result(costs: try NB201EdgeCosts(own, floor: floor), source: source, sourceRho: best?.rho ?? .nan,
                          scale: scale, ridge: .infinity, ownFit: true)
        }

        var covariance = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        let denominator = Double(max(profiles.count - 1, 1))
        for profile in profiles {
            for i in 0..<n {
                let di = profile.coefficients[i] - mean[i]
                for j in 0..<n { covariance[i][j] += di * (profile.coefficients[j] - mean[j]) / denominator }
            }
        }
        let features = cells.map { NB201EdgeCosts.features($0.ops) }
        let targets = cells.map { $0.latencyMs / scale }
        let sd = relativeNoise * Self.median(targets.sorted())
        let noisePrecision = 1 / Swift.max(sd * sd, 1e-300)
        var chosenRidge = ridge
        var posterior = try Self.posterior(features: features, targets: targets, noisePrecision: noisePrecision,
                                           covariance: covariance, ridge: ridge, centre: centre)
        if cells.count >= ridgeSelectionMinimum {
            for candidate in Self.ridgeGrid where candidate != ridge {
                let other = try Self.posterior(features: features, targets: targets, noisePrecision: noisePrecision,
                                               covariance: covariance, ridge: candidate, centre: centre)
                if other.leaveOneOutError < posterior.leaveOneOutError {
                    posterior = other
                    chosenRidge = candidate
                }
            }
        }
        let costs = try NB201EdgeCosts(coefficients: posterior.coefficients.map { $0 * scale }, floor: floor)
        return Result(costs: costs, source: source, sourceRho: best?.rho ?? .nan, scale: scale, ridge: chosenRidge,
                      ownFit: false)
    }

    /// The posterior mean for one ridge, and its exact leave-one-out squared error (a
    /// linear smoother: the residual of cell i without it is r_i / (1 - h_ii)).
    private static func posterior(features: [[Double]], targets: [Double], noisePrecision: Double,
                                  covariance: [[Double]], ridge: Double,
                                  centre: [Double]) throws -> (coefficients: [Double], leaveOneOutError: Double) {
        let n = centre.count
        var prior = covariance
        for i in 0..<n { prior[i][i] += ridge }
        let precision = try SmallLinearSystem.inverse(prior)
        var a = precision
        var b = (0..<n).map { i in (0..<n).reduce(0) { $0 + precision[i][$1] * centre[$1] } }
        for (x, y) in zip(features, targets) {
            for i in 0..<n where x[i] != 0 {
                for j in 0..<n where x[j] != 0 { a[i][j] += noisePrecision * x[i] * x[j] }
                b[i] += noisePrecision * x[i] * y
            }
        }
        let inverse = try SmallLinearSystem.inverse(a)
        let coefficients = (0..<n).map { i in (0..<n).reduce(0) { $0 + inverse[i][$1] * b[$1] } }
        var error = 0.0
        for (x, y) in zip(features, targets) {
            let fitted = zip(x, coefficients).reduce(0) { $0 + $1.0 * $1.1 }
            var leverage = 0.0
            for i in 0..<n where x[i] != 0 { for j in 0..<n where x[j] != 0 { leverage += x[i] * inverse[i][j] * x[j] } }
            let residual = (y - fitted) / Swift.max(1 - noisePrecision * leverage, 1e-9)
            error += residual * residual
        }
        return (coefficients, error / Double(max(targets.count, 1)))
    }

    private static func median(_ sorted: [Double]) -> Double {
        let c = sorted.count
        return c % 2 == 1 ? sorted[c / 2] : (sorted[c / 2 - 1] + sorted[c / 2]) / 2
    }
}
