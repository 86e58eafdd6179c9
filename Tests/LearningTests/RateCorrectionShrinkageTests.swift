import Engine
import Foundation
import Learning
import XCTest

/// The rate correction's two-level penalty (terms, groups; groups few networks carry held
/// harder) and its robust fit (a label far off does not drag the rest), on synthetic
/// problems whose true shifts are known.
final class RateCorrectionShrinkageTests: XCTestCase {
    private static func networks(count: Int, factor: Double, noise: Double, seed: UInt64) -> [RateCorrectionProblem.Network] {
        SyntheticRateNetworks.networks(count: count, factor: factor, noise: noise, seed: seed)
    }

    /// The networks above and one more that also holds group 2 (40% of its compute), whose
    /// label is 35% above what the true rates give: group 2's true shift is 0, and nothing
    /// but that one noisy label speaks for it.
    private static func problemWithALoneGroup(seed: UInt64) -> RateCorrectionProblem {
        var networks = networks(count: 11, factor: 2, noise: 0.03, seed: seed)
        let parts = [RateCorrectionProblem.Part(groups: [0], shares: [0.3, 0.1, 0]),
                     RateCorrectionProblem.Part(groups: [1], shares: [0.1, 0.1, 0]),
                     RateCorrectionProblem.Part(groups: [2], shares: [0.4, 0, 0])]
        let truth = 0.5 * (0.3 + 0.1 + 0.1 * 2 + 0.1 + 0.4)
        networks.append(RateCorrectionProblem.Network(parts: parts, logRatio: Foundation.log(1.35 * truth), key: "alone"))
        return RateCorrectionProblem(groupCount: 3, networks: networks)
    }

    func testTheSupportCountsTheNetworksAGroupCarries() {
        let problem = Self.problemWithALoneGroup(seed: 1)
        let fitted = problem.fit(penalty: RateCorrectionPenalty(term: 1, group: 1, supportScaled: true))
        let plain = problem.fit(penalty: RateCorrectionPenalty(term: 1, group: 1))
        // Group 2 is carried by one network: its penalty is tripled, so it moves less.
        XCTAssertLessThan(abs(fitted.groupShift[0][2]), abs(plain.groupShift[0][2]))
        XCTAssertGreaterThan(abs(plain.groupShift[0][2]), 0.01, "the lone network's error reaches its group")
    }

    func testAGroupOneNetworkCarriesStaysNearItsTerm() {
        for seed: UInt64 in 0..<4 {
            let problem = Self.problemWithALoneGroup(seed: seed)
            let fitted = problem.fitChoosingPenaltiesByEvidence(supportScaled: true)
            XCTAssertTrue(fitted.lambda.isFinite, "seed \(seed): group 1's factor of 2 is more than noise")
            // Group 1's compute still moves up against group 0's by about ln 2 ...
            XCTAssertEqual(fitted.groupShift[0][1] - fitted.groupShift[0][0], Foundation.log(2), accuracy: 0.3, "seed \(seed)")
            // ... while the lone network's 35% is not all put on group 2 (ln 1.35 / 0.4 = 0.75
            // would explain it exactly).
            XCTAssertLessThan(abs(fitted.groupShift[0][2]), 0.25, "seed \(seed): lambda \(fitted.lambda)/\(fitted.termLambda)")
        }
    }

    func testTwoLevelsFitTermShiftsOnePenaltyHoldsBack() {
        // Every network runs its compute at 1/3 of the prior's time and nothing else moves:
        // a term shift of ln(1/3) with no group shift, from 12 networks of two groups whose
        // compute shares differ (20-90%), with 2% log noise.
        var rng = SplitMix64(seed: 7)
        let networks = (0..<12).map { i -> RateCorrectionProblem.Network in
            let a = 0.1 + 0.8 * Double(rng.nextUnit()), compute = 0.2 + 0.7 * Double(rng.nextUnit())
            let parts = [RateCorrectionProblem.Part(groups: [0], shares: [a * compute, a * (1 - compute), 0]),
                         RateCorrectionProblem.Part(groups: [1], shares: [(1 - a) * compute, (1 - a) * (1 - compute), 0])]
            let noise = 0.02 * (2 * Double(rng.nextUnit()) - 1)
            return RateCorrectionProblem.Network(parts: parts, logRatio: Foundation.log(compute / 3 + 1 - compute) + noise, key: "n\(i)")
        }
        let problem = RateCorrectionProblem(groupCount: 2, networks: networks)
        let fitted = problem.fitChoosingPenaltiesByEvidence()
        XCTAssertLessThan(fitted.termLambda, fitted.lambda, "the term level is the one that moves")
        let groupSpread = fitted.groupShift.flatMap { $0 }.map(abs).max() ?? 0
        XCTAssertLessThan(groupSpread, 0.15, "lambda \(fitted.lambda)/\(fitted.termLambda)")
        XCTAssertEqual(fitted.termShift[0] - fitted.termShift[1], Foundation.log(1.0 / 3), accuracy: 0.25,
                       "compute moves down against memory (lambda \(fitted.lambda)/\(fitted.termLambda))")
    }

    func testOnePenaltyOnBothLevelsIsTheOnePenaltyFit() {
        let problem = Self.problemWithALoneGroup(seed: 2)
        let one = problem.fit(lambda: 0.3), two = problem.fit(penalty: RateCorrectionPenalty(term: 0.3, group: 0.3))
        XCTAssertEqual(one, two)
        XCTAssertEqual(problem.logEvidence(of: one), problem.logEvidence(of: two))
    }

    func testAnOutlierNetworkDoesNotDragTheFit() {
        // Twelve labels within 2% of the true rates, one 2 x off (a failed benchmark run).
        var networks = Self.networks(count: 13, factor: 2, noise: 0.02, seed: 11)
        networks[4].logRatio += Foundation.log(2)
        let problem = RateCorrectionProblem(groupCount: 2, networks: networks)
        let clean = RateCorrectionProblem(groupCount: 2, networks: networks.enumerated().filter { $0.offset != 4 }.map(\.element))
        let penalty = RateCorrectionPenalty(term: 0.1, group: 0.1)
        let plain = problem.fit(penalty: penalty)
        let robust = problem.fitRobustly(loss: .huber(k: 1.5)) { $0.fit(penalty: penalty) }
        let truth = clean.fit(penalty: penalty)
        // Judged on the clean networks: the robust fit is near the fit without the outlier,
        // the plain one is pulled off by it.
        func rms(_ c: RateCorrection) -> Double {
            let errors = clean.networks.map { network -> Double in
                var total = 0.0
                for part in network.parts {
                    for r in 0..<RateCorrection.terms {
                        total += part.shares[r] * Foundation.exp(c.termShift[r] + part.groups.reduce(0) { $0 + c.groupShift[r][$1] })
                    }
                }
                let residual = c.shift + Foundation.log(total) - network.logRatio
                return residual * residual
            }
            return (errors.reduce(0, +) / Double(errors.count)).squareRoot()
        }
        XCTAssertGreaterThan(rms(plain), 0.05, "the outlier drags the squared-error fit")
        XCTAssertLessThan(rms(robust), 0.04, "plain \(rms(plain)), without the outlier \(rms(truth))")
        XCTAssertEqual(robust.shift, truth.shift, accuracy: 0.03)
    }

    func testWithoutOutliersTheRobustFitIsThePlainOne() {
        let problem = RateCorrectionProblem(groupCount: 2, networks: Self.networks(count: 12, factor: 2, noise: 0.02, seed: 12))
        let plain = problem.fitChoosingPenaltiesByEvidence()
        let robust = problem.fitRobustly(loss: .studentT(nu: 4)) { $0.fitChoosingPenaltiesByEvidence() }
        XCTAssertEqual(robust.shift, plain.shift, accuracy: 0.02)
        XCTAssertEqual(robust.groupShift[0][1] - robust.groupShift[0][0], plain.groupShift[0][1] - plain.groupShift[0][0], accuracy: 0.05)
    }
}
