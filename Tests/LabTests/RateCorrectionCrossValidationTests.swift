import Engine
import Foundation
import Lab
import Learning
import TestSupport
import XCTest

/// The rate correction's penalty chosen by cross-validation (the lab's comparison with the
/// retrainer's evidence), on synthetic problems whose answer is known.
final class RateCorrectionCrossValidationTests: XCTestCase {
    private static func rmsLogError(_ correction: RateCorrection, _ problem: RateCorrectionProblem) -> Double {
        let residuals = problem.networks.map { RateCorrectionProblem.residual($0, correction.parameters) }
        return (residuals.reduce(0) { $0 + $1 * $1 } / Double(residuals.count)).squareRoot()
    }

    func testTheFitExplainsWhatOneScaleCannot() {
        let problem = RateCorrectionProblem(groupCount: 2, networks: SyntheticRateNetworks.networks(count: 40, factor: 2, noise: 0, seed: 7))
        let scaleOnly = problem.fit(lambda: .infinity)
        let fitted = problem.fitChoosingLambda()
        let scaleError = Self.rmsLogError(scaleOnly, problem), fittedError = Self.rmsLogError(fitted, problem)
        XCTAssertGreaterThan(scaleError, 0.05, "the groups' ratios differ, so one scale leaves an error")
        XCTAssertLessThan(fittedError, 0.2 * scaleError, "scale \(scaleError), fitted \(fittedError) (lambda \(fitted.lambda))")
        XCTAssertTrue(fitted.lambda.isFinite)
        // Group 1's compute rate moves up against group 0's.
        XCTAssertGreaterThan(fitted.groupShift[0][1], fitted.groupShift[0][0])
    }

    func testEqualRatiosGiveTheScaleAlone() {
        let networks = (0..<6).map { i in
            RateCorrectionProblem.Network(parts: [.init(groups: [0], shares: [0.5, 0.3, 0.2])], logRatio: Foundation.log(2), key: "\(i)")
        }
        let problem = RateCorrectionProblem(groupCount: 1, networks: networks)
        let fitted = problem.fitChoosingLambda()
        XCTAssertEqual(fitted.shift + fitted.termShift[0] + fitted.groupShift[0][0], Foundation.log(2), accuracy: 0.05)
        XCTAssertEqual(Self.rmsLogError(fitted, problem), 0, accuracy: 1e-4)
    }

    func testTwoNetworksFitTheScaleOnly() {
        let problem = RateCorrectionProblem(groupCount: 2, networks: SyntheticRateNetworks.networks(count: 2, factor: 2, noise: 0, seed: 9))
        let fitted = problem.fitChoosingLambda()
        XCTAssertEqual(fitted.lambda, .infinity)
        XCTAssertEqual(fitted.groupShift.flatMap { $0 }, [0, 0, 0, 0, 0, 0])
        XCTAssertEqual(fitted.shift, problem.networks.map(\.logRatio).reduce(0, +) / 2, accuracy: 1e-12)
    }
}
