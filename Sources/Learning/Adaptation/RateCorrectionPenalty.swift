import Foundation

/// How hard a `RateCorrection`'s shifts are pulled toward 0: one ridge penalty on the three
/// term shifts (every node of a term moves together, toward the common scale) and another
/// on the group shifts (a group's nodes move apart from their term, toward the term's shift).
///
/// Why two levels: the penalty is the label noise over the spread one expects of the
/// shifts, and the two spreads differ. Another machine moves whole terms far (OpenVINO's
/// dense compute runs at about half onnxruntime's time), while most op groups stay near
/// their term; one penalty for both must either hold the terms back or let a group that a
/// single network carries soak up that network's label noise.
package struct RateCorrectionPenalty: Sendable, Equatable {
    /// On each term shift.
    package var term: Double
    /// On each group shift (infinite: the common scale alone).
    package var group: Double
    /// Whether a group carried by fewer than `wellSupported` measured networks has its
    /// penalty raised in proportion (`supportMultiplier`).
    package var supportScaled: Bool

    package init(term: Double, group: Double, supportScaled: Bool = false) {
        self.term = term
        self.group = group
        self.supportScaled = supportScaled
    }

    /// A group counts a network as support when its nodes carry at least this share of the
    /// network's predicted cost in the term.
    static let supportShare = 0.01
    /// Networks from which a group's penalty is the plain group penalty.
    static let wellSupported = 3.0

    /// How much a group's penalty is raised for being carried by `networks` measured
    /// networks: `wellSupported / networks`, at least 1. A group one network carries can
    /// explain all of that network's log error, label noise included, at almost no cost in
    /// a weak penalty; tripled, it moves only as far as the other networks agree.
    static func supportMultiplier(networks: Int) -> Double {
        max(1, wellSupported / Double(max(networks, 1)))
    }

    /// The penalty of every parameter of `problem`'s fit: 0 for the common scale, `term` for
    /// the three term shifts, `group` (times the support multiplier) for the group shifts.
    func perParameter(for problem: RateCorrectionProblem) -> [Double] {
        let terms = RateCorrection.terms, groups = problem.groupCount
        var penalties = [0.0] + Array(repeating: term, count: terms) + Array(repeating: group, count: terms * groups)
        guard supportScaled else { return penalties }
        let support = Self.support(of: problem)
        for r in 0..<terms {
            for g in 0..<groups { penalties[1 + terms + r * groups + g] *= Self.supportMultiplier(networks: support[r][g]) }
        }
        return penalties
    }

    /// Per term and group: how many of `problem`'s networks the group carries (its parts
    /// hold at least `supportShare` of the network's cost in that term).
    static func support(of problem: RateCorrectionProblem) -> [[Int]] {
        let terms = RateCorrection.terms
        var counts = Array(repeating: Array(repeating: 0, count: problem.groupCount), count: terms)
        for network in problem.networks {
            var share = Array(repeating: Array(repeating: 0.0, count: problem.groupCount), count: terms)
            var termTotal = Array(repeating: 0.0, count: terms)
            for part in network.parts {
                for r in 0..<terms {
                    termTotal[r] += part.shares[r]
                    for g in part.groups { share[r][g] += part.shares[r] }
                }
            }
            for r in 0..<terms where termTotal[r] > 0 {
                for g in 0..<problem.groupCount where share[r][g] >= supportShare * termTotal[r] { counts[r][g] += 1 }
            }
        }
        return counts
    }
}

extension RateCorrectionPenalty {
    /// The term penalties the evidence chooses from: term shifts are few and well pinned
    /// down by every network, so the grid reaches weaker penalties than the groups'.
    package static let termGrid: [Double] = [10, 3, 1, 0.3, 0.1, 0.03, 0.01]
    /// The group penalties the evidence chooses from.
    package static let groupGrid: [Double] = [100, 30, 10, 3, 1, 0.3, 0.1, 0.03]
}
