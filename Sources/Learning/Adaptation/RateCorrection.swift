import Engine
import Foundation

/// A correction of a node-cost model's rates for another machine, fitted in closed form
/// (Levenberg-Marquardt on the log error) instead of by gradient steps.
///
/// Why: another runtime on another CPU does not change what a network computes, it changes
/// how fast each kind of node runs (OpenVINO over onnxruntime: dense convolutions about half
/// the time, depthwise ones about the same), so one scale factor leaves a per-family error
/// that fine-tuning all weights on ten networks cannot remove without forgetting the rest.
/// Here every node's compute, memory and overhead term of the prior is multiplied by
/// `exp(shift + termShift[r] + sum of groupShift[r][j] over the node's groups j)`: one free
/// common scale and, shrunk toward it by a ridge penalty `lambda`, a log-rate change per term
/// and per node group (op type, depthwise). The penalty is chosen on the measurements
/// themselves (the retrainer: by its evidence, `fitChoosingLambdaByEvidence`), so the rates
/// move as far as the data says and no further.
package struct RateCorrection: Sendable, Equatable {
    /// ln of the common scale (not shrunk).
    package var shift: Double
    /// Per term (compute, memory, overhead): the log-rate change of every node.
    package var termShift: [Double]
    /// Per term, per group: the log-rate change of the group's nodes.
    package var groupShift: [[Double]]
    /// The ridge penalty it was fitted with (on every shift but the common scale).
    package var lambda: Double

    package static let terms = 3
    /// The penalties cross-validation chooses from (sum of squared log errors + lambda x sum
    /// of squared shifts), strongest first: a tie goes to the stronger shrinkage. Infinite:
    /// the common scale alone, which wins whenever no shift helps on networks left out.
    package static let lambdaGrid: [Double] = [.infinity, 30, 10, 3, 1, 0.3, 0.1, 0.03]

    /// The identity: nothing changes.
    package static func identity(groups: Int) -> RateCorrection {
        RateCorrection(shift: 0, termShift: Array(repeating: 0, count: terms),
                       groupShift: Array(repeating: Array(repeating: 0, count: groups), count: terms), lambda: .infinity)
    }
}

/// The data a `RateCorrection` is fitted on: per measured network, its nodes merged by the
/// set of groups they belong to, with each part's share of the prior's prediction per term,
/// and ln(measured / prior prediction).
package struct RateCorrectionProblem: Sendable {
    package struct Part: Sendable, Equatable {
        /// The groups every node of this part belongs to.
        package var groups: [Int]
        /// The part's compute, memory and overhead terms over the prior's whole prediction.
        package var shares: [Double]
        /// Per group of `groups`, how much of the group's shift applies: 1 for a node group
        /// (a one-hot column), the node's centred size for a size slope (`NodeCostRateFit`).
        package var values: [Double]

        package init(groups: [Int], shares: [Double], values: [Double]? = nil) {
            self.groups = groups
            self.shares = shares
            self.values = values ?? Array(repeating: 1, count: groups.count)
        }
    }

    package struct Network: Sendable {
        package var parts: [Part]
        /// ln(measured / the prior's prediction).
        package var logRatio: Double
        /// Networks with the same key (graph hash) count as one network when deciding
        /// whether there are enough to fit more than the common scale (and fall in the same
        /// fold of the lab's cross-validation).
        package var key: String

        package init(parts: [Part], logRatio: Double, key: String) {
            self.parts = parts
            self.logRatio = logRatio
            self.key = key
        }
    }

    package var groupCount: Int
    package var networks: [Network]

    package init(groupCount: Int, networks: [Network]) {
        self.groupCount = groupCount
        self.networks = networks
    }

    /// Parameters: shift, 3 term shifts, then 3 x groupCount group shifts.
    var parameterCount: Int { 1 + RateCorrection.terms * (1 + groupCount) }

    /// The correction minimising the sum of squared log errors plus `lambda` times the sum
    /// of squared shifts (the common scale is free). `lambda` infinite: the scale alone.
    package func fit(lambda: Double) -> RateCorrection {
        let p = parameterCount
        var theta = [Double](repeating: 0, count: p)
        let done = { RateCorrection(parameters: theta, groups: groupCount, lambda: lambda) }
        guard !networks.isEmpty else { return done() }
        // The common scale alone is the mean log ratio (the geometric mean of measured /
        // predicted), exact when every other parameter is 0.
        theta[0] = networks.reduce(0) { $0 + $1.logRatio } / Double(networks.count)
        guard lambda.isFinite else { return done() }
        let penalties = Self.penalties(lambda: lambda, parameterCount: p)
        var damping = 1e-3
        var current = objective(theta, penalties: penalties)
        for _ in 0..<40 {
            var normal = [Double](repeating: 0, count: p * p)
            var gradient = [Double](repeating: 0, count: p)
            var row = [Double](repeating: 0, count: p)
            for network in networks {
                let r = Self.residual(network, theta, jacobian: &row)
                let nonzero = row.indices.filter { row[$0] != 0 }
                for a in nonzero {
                    gradient[a] += row[a] * r
                    for b in nonzero { normal[a * p + b] += row[a] * row[b] }
                }
            }
            for k in 1..<p {
                gradient[k] += penalties[k] * theta[k]
                normal[k * p + k] += penalties[k]
            }
            var improved = false
            while damping < 1e8 {
                var system = normal
                for k in 0..<p { system[k * p + k] += damping * max(normal[k * p + k], 1e-9) }
                guard let step = CholeskyFactor(system, size: p)?.solve(gradient.map { -$0 }) else { damping *= 10; continue }
                let trial = zip(theta, step).map { $0 + $1 }
                let value = objective(trial, penalties: penalties)
                if value < current {
                    let gain = current - value
                    theta = trial
                    current = value
                    damping = max(damping / 3, 1e-9)
                    improved = gain > 1e-12 * max(current, 1e-12)
                    break
                }
                damping *= 4
            }
            if !improved { break }
        }
        return done()
    }

    /// Each parameter's penalty: 0 for the common scale, `lambda` for every shift.
    static func penalties(lambda: Double, parameterCount: Int) -> [Double] {
        [0.0] + Array(repeating: lambda, count: parameterCount - 1)
    }

    func objective(_ theta: [Double], penalties: [Double]) -> Double {
        var value = networks.reduce(0.0) { sum, network in
            let r = Self.residual(network, theta)
            return sum + r * r
        }
        for k in 1..<theta.count { value += penalties[k] * theta[k] * theta[k] }
        return value
    }

    /// ln(corrected prediction / measured) of one network.
    package static func residual(_ network: Network, _ theta: [Double]) -> Double {
        var unused: [Double] = []
        return residual(network, theta, jacobian: &unused, wantJacobian: false)
    }

    /// The same, with d residual / d theta written into `jacobian` (zeroed first).
    static func residual(_ network: Network, _ theta: [Double], jacobian: inout [Double],
                         wantJacobian: Bool = true) -> Double {
        let terms = RateCorrection.terms
        let groups = (theta.count - 1) / terms - 1
        if wantJacobian { for k in jacobian.indices { jacobian[k] = 0 } }
        var total = 0.0
        for part in network.parts {
            for r in 0..<terms where part.shares[r] > 0 {
                var exponent = theta[1 + r]
                for (g, value) in zip(part.groups, part.values) { exponent += value * theta[1 + terms + r * groups + g] }
                let weighted = part.shares[r] * Foundation.exp(exponent)
                total += weighted
                if wantJacobian {
                    jacobian[1 + r] += weighted
                    for (g, value) in zip(part.groups, part.values) { jacobian[1 + terms + r * groups + g] += weighted * value }
                }
            }
        }
        total = max(total, 1e-300)
        if wantJacobian {
            for k in 1..<jacobian.count { jacobian[k] /= total }
            jacobian[0] = 1
        }
        return theta[0] + Foundation.log(total) - network.logRatio
    }
}

extension RateCorrection {
    /// From the fit's parameter vector (shift, term shifts, group shifts per term).
    init(parameters theta: [Double], groups: Int, lambda: Double) {
        let terms = Self.terms
        self.init(shift: theta[0], termShift: Array(theta[1...terms]),
                  groupShift: (0..<terms).map { r in Array(theta[(1 + terms + r * groups)..<(1 + terms + (r + 1) * groups)]) },
                  lambda: lambda)
    }

    /// The fit's parameter vector.
    package var parameters: [Double] { [shift] + termShift + groupShift.flatMap { $0 } }
}
