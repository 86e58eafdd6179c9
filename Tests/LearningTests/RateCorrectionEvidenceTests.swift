import Engine
import Foundation
import Learning
import TestSupport
import XCTest

/// The rate correction's penalty chosen by the evidence: shifts the networks show are
/// fitted, noise alone leaves the common scale.
final class RateCorrectionEvidenceTests: XCTestCase {
    /// Networks of two groups in random proportions (`SyntheticRateNetworks`): group 1's
    /// compute runs `factor` x slower than the prior says, everything 0.5 x.
    private static func problem(count: Int, factor: Double, noise: Double, seed: UInt64) -> RateCorrectionProblem {
        RateCorrectionProblem(groupCount: 2, networks: SyntheticRateNetworks.networks(count: count, factor: factor,
                                                                                      noise: noise, seed: seed))
    }

    func testAShiftTheNetworksShowIsFitted() {
        let problem = Self.problem(count: 10, factor: 2, noise: 0.02, seed: 3)
        let fitted = problem.fitChoosingLambdaByEvidence()
        XCTAssertTrue(fitted.lambda.isFinite, "a factor of 2 on half the compute is more than noise")
        // Group 1's compute rate moves up against group 0's, by about ln 2.
        XCTAssertEqual(fitted.groupShift[0][1] - fitted.groupShift[0][0], Foundation.log(2), accuracy: 0.35)
    }

    func testNoiseAloneLeavesTheCommonScale() {
        // Ten networks, no shift between the groups, 10% log noise on every label.
        for seed: UInt64 in 0..<5 {
            let problem = Self.problem(count: 10, factor: 1, noise: 0.1, seed: seed)
            let fitted = problem.fitChoosingLambdaByEvidence()
            let spread = fitted.groupShift.flatMap { $0 }.map(abs).max() ?? 0
            XCTAssertLessThan(spread, 0.1, "seed \(seed): lambda \(fitted.lambda) moved a group by \(spread)")
        }
    }

    func testTheEvidenceOfTheScaleAloneIsTheLimitOfAStrongPenalty() {
        let problem = Self.problem(count: 12, factor: 1.5, noise: 0.05, seed: 4)
        let limit = problem.logEvidence(of: problem.fit(lambda: .infinity))
        let strong = problem.logEvidence(of: problem.fit(lambda: 1e7))
        XCTAssertEqual(strong, limit, accuracy: 1e-3)
    }

    func testFewerThanThreeNetworksFitTheScaleOnly() {
        let problem = Self.problem(count: 2, factor: 2, noise: 0, seed: 5)
        XCTAssertEqual(problem.fitChoosingLambdaByEvidence().lambda, .infinity)
    }
}
