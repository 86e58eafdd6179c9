import Engine
import Foundation
import Learning
import XCTest

/// The ways of fitting the rate correction a lab run can name, and the evidence-averaged fit.
final class RateCorrectionMethodTests: XCTestCase {
    func testNamesRoundTrip() {
        for name in ["evidence", "averaged", "two-level", "two-level+support", "evidence+huber", "two-level+support+t4"] {
            XCTAssertEqual(RateCorrectionMethod(name: name)?.description, name)
        }
        XCTAssertNil(RateCorrectionMethod(name: "evidence+bogus"))
        XCTAssertNil(RateCorrectionMethod(name: "loo"))
        XCTAssertEqual(RateCorrectionMethod.shipped, RateCorrectionMethod(name: "evidence"))
    }

    /// Networks of two groups whose compute shares differ; group 1's compute runs 2 x slower
    /// than the prior says, with 3% log noise.
    private static func problem(count: Int, seed: UInt64) -> RateCorrectionProblem {
        var rng = SplitMix64(seed: seed)
        let networks = (0..<count).map { i -> RateCorrectionProblem.Network in
            let a = 0.1 + 0.8 * Double(rng.nextUnit())
            let parts = [RateCorrectionProblem.Part(groups: [0], shares: [a * 0.8, a * 0.2, 0]),
                         RateCorrectionProblem.Part(groups: [1], shares: [(1 - a) * 0.7, (1 - a) * 0.3, 0])]
            let noise = 0.03 * (2 * Double(rng.nextUnit()) - 1)
            return RateCorrectionProblem.Network(parts: parts, logRatio: Foundation.log(a + (1 - a) * (0.7 * 2 + 0.3)) + noise,
                                                 key: "n\(i)")
        }
        return RateCorrectionProblem(groupCount: 2, networks: networks)
    }

    func testTheAverageLiesWithinTheGridsFits() {
        let problem = Self.problem(count: 10, seed: 21)
        let averaged = problem.fitAveragingOverPenalties()
        let fits = RateCorrection.lambdaGrid.map { problem.fit(lambda: $0) }
        let moved = { (c: RateCorrection) in c.groupShift[0][1] - c.groupShift[0][0] }
        XCTAssertGreaterThanOrEqual(moved(averaged), fits.map(moved).min()! - 1e-12)
        XCTAssertLessThanOrEqual(moved(averaged), fits.map(moved).max()! + 1e-12)
        XCTAssertGreaterThan(moved(averaged), 0.3, "group 1's factor of 2 shows")
        XCTAssertEqual(averaged.lambda, problem.fitChoosingLambdaByEvidence().lambda, "it names the penalty of largest evidence")
    }

    func testTwoNetworksAverageToTheScaleAlone() {
        let problem = Self.problem(count: 2, seed: 22)
        XCTAssertEqual(problem.fitAveragingOverPenalties(), problem.fit(lambda: .infinity))
    }
}
