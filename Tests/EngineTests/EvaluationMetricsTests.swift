import XCTest
@testable import Engine

final class EvaluationMetricsTests: XCTestCase {
    func testMAPEAndAccuracyThresholds() {
        let measured = [1.0, 1.0, 2.0, 4.0, 10.0]
        let predicted = [1.1, 0.95, 2.0, 6.0, 9.99]  // errors 10%, 5%, 0%, 50%, 0.1%
        XCTAssertEqual(Metrics.mape(predicted: predicted, measured: measured), (0.1 + 0.05 + 0 + 0.5 + 0.001) / 5, accuracy: 1e-12)
        XCTAssertEqual(Metrics.accuracy(within: 0.01, predicted: predicted, measured: measured), 2.0 / 5)
        XCTAssertEqual(Metrics.accuracy(within: 0.05, predicted: predicted, measured: measured), 3.0 / 5, "5% exactly counts")
        XCTAssertEqual(Metrics.accuracy(within: 0.10, predicted: predicted, measured: measured), 4.0 / 5, "10% exactly counts")
        XCTAssertTrue(Metrics.mape(predicted: [], measured: []).isNaN)
    }

    /// O(n^2) tau-b straight from the definition, the yardstick for Knight's algorithm.
    private func naiveTauB(_ x: [Double], _ y: [Double]) -> Double {
        var concordant = 0, discordant = 0, onlyX = 0, onlyY = 0
        for i in x.indices {
            for j in (i + 1)..<x.count {
                let dx = x[i] - x[j], dy = y[i] - y[j]
                if dx == 0 && dy == 0 { continue }
                if dx == 0 { onlyX += 1 } else if dy == 0 { onlyY += 1 } else if (dx > 0) == (dy > 0) { concordant += 1 } else { discordant += 1 }
            }
        }
        let d = (Double(concordant + discordant + onlyX) * Double(concordant + discordant + onlyY)).squareRoot()
        return Double(concordant - discordant) / d
    }

    func testKendallMatchesNaiveOnRandomDataWithTies() {
        var generator = SplitMix64(seed: 2026)
        for trial in 0..<60 {
            let n = 2 + trial * 7
            let levels = [3, 10, 1000][trial % 3]  // few levels: many ties; many: almost none
            let x = (0..<n).map { _ in Double(Int.random(in: 0..<levels, using: &generator)) }
            let y = x.map { $0 + Double(Int.random(in: -2...2, using: &generator)) }  // correlated
            let fast = Metrics.kendallTau(x, y)
            let slow = naiveTauB(x, y)
            if slow.isNaN { XCTAssertTrue(fast.isNaN); continue }
            XCTAssertEqual(fast, slow, accuracy: 1e-12, "trial \(trial), n \(n)")
        }
    }

    func testKendallAndSpearmanMatchScipy() {
        // Expected values from scipy 1.17.1:
        //   from scipy.stats import kendalltau, spearmanr
        //   x = [1, 2, 2, 3, 4, 4, 4, 5, 6, 7]; y = [2, 1, 3, 3, 5, 4, 4, 6, 6, 5]
        //   kendalltau(x, y).statistic  -> 0.7804878048780488
        //   spearmanr(x, y).statistic   -> 0.9003158952168534
        //   x2 = [0.5, 1.5, 1.5, 2.5, 10.0, 3.0, 3.0, 7.25]; y2 = [3.0, 1.0, 1.0, 2.0, 9.0, 2.0, 4.0, 8.0]
        //   kendalltau(x2, y2).statistic -> 0.653846153846154
        //   spearmanr(x2, y2).statistic  -> 0.7256097560975611
        let x: [Double] = [1, 2, 2, 3, 4, 4, 4, 5, 6, 7], y: [Double] = [2, 1, 3, 3, 5, 4, 4, 6, 6, 5]
        XCTAssertEqual(Metrics.kendallTau(x, y), 0.7804878048780488, accuracy: 1e-12)
        XCTAssertEqual(Metrics.spearman(x, y), 0.9003158952168534, accuracy: 1e-12)
        let x2 = [0.5, 1.5, 1.5, 2.5, 10.0, 3.0, 3.0, 7.25], y2 = [3.0, 1.0, 1.0, 2.0, 9.0, 2.0, 4.0, 8.0]
        XCTAssertEqual(Metrics.kendallTau(x2, y2), 0.653846153846154, accuracy: 1e-12)
        XCTAssertEqual(Metrics.spearman(x2, y2), 0.7256097560975611, accuracy: 1e-12)
    }

    func testPerfectReversedAndConstant() {
        let x = (0..<50).map(Double.init)
        XCTAssertEqual(Metrics.kendallTau(x, x.map { $0 * $0 }), 1)
        XCTAssertEqual(Metrics.kendallTau(x, x.map { -$0 }), -1)
        XCTAssertEqual(Metrics.spearman(x, x.map { exp($0 / 10) }), 1, accuracy: 1e-12)
        XCTAssertTrue(Metrics.kendallTau(x, [Double](repeating: 3, count: 50)).isNaN)
        XCTAssertTrue(Metrics.spearman(x, [Double](repeating: 3, count: 50)).isNaN)
        XCTAssertTrue(Metrics.kendallTau([1], [1]).isNaN)
    }

    func testAverageRanks() {
        XCTAssertEqual(Metrics.averageRanks([10, 20, 20, 5, 20]), [2, 4, 4, 1, 4])
    }

    func testKendallIsFastOnLargeInputs() {
        // 200k samples: O(n^2) would be 2e10 pair checks; n log n finishes in well under a second.
        var generator = SplitMix64(seed: 5)
        let x = (0..<200_000).map { _ in Double(Int.random(in: 0..<5000, using: &generator)) }
        let y = x.map { $0 + Double.random(in: -500...500, using: &generator) }
        let start = Date()
        let tau = Metrics.kendallTau(x, y)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertGreaterThan(tau, 0.7)
        XCTAssertLessThan(tau, 1)
    }
}
