import XCTest
@testable import Engine

final class EvaluationBaselineTests: XCTestCase {
    func testRecoversExactCoefficientsAcrossWildlyDifferentScales() throws {
        var generator = SplitMix64(seed: 11)
        let costs = (0..<200).map { _ in
            NetworkCostSummary(flops: Double.random(in: 1e8...4e10, using: &generator), params: 0,
                               memoryAccess: Double.random(in: 1e6...5e8, using: &generator))
        }
        let latency = costs.map { 3.0e-9 * $0.flops + 4.0e-8 * $0.memoryAccess + 1.75 }
        let baseline = try FlopsMacBaseline(training: costs, latencies: latency)
        XCTAssertEqual(baseline.fit.coefficients[0], 3.0e-9, accuracy: 1e-15)
        XCTAssertEqual(baseline.fit.coefficients[1], 4.0e-8, accuracy: 1e-14)
        XCTAssertEqual(baseline.fit.intercept, 1.75, accuracy: 1e-6)
        XCTAssertEqual(baseline.fit.rank, 3)
        let probe = NetworkCostSummary(flops: 2e9, params: 0, memoryAccess: 1e8)
        XCTAssertEqual(baseline.predict(probe), 6 + 4 + 1.75, accuracy: 1e-6)
    }

    /// The least-squares optimum leaves a residual orthogonal to every column.
    private func assertNormalEquationsHold(_ fit: LeastSquaresFit, rows: [[Double]], targets: [Double], file: StaticString = #filePath, line: UInt = #line) {
        let residual = rows.indices.map { targets[$0] - fit.predict(rows[$0]) }
        let scale = residual.map(abs).max() ?? 1
        for j in 0..<rows[0].count {
            let dot = rows.indices.reduce(0.0) { $0 + rows[$1][j] * residual[$1] }
            XCTAssertEqual(dot / Double(rows.count), 0, accuracy: 1e-9 * max(scale, 1), "column \(j)", file: file, line: line)
        }
        XCTAssertEqual(residual.reduce(0, +) / Double(rows.count), 0, accuracy: 1e-9 * max(scale, 1), "intercept", file: file, line: line)
    }

    func testNoisyFitSatisfiesTheNormalEquations() throws {
        var generator = SplitMix64(seed: 3)
        let rows = (0..<300).map { _ in (0..<5).map { _ in Double.random(in: -3...3, using: &generator) } }
        let targets = rows.map { row in row.enumerated().reduce(0.5) { $0 + Double($1.offset) * $1.element } + Double.random(in: -1...1, using: &generator) }
        let fit = try LeastSquaresFit.fit(rows: rows, targets: targets)
        assertNormalEquationsHold(fit, rows: rows, targets: targets)
        XCTAssertEqual(fit.coefficients[4], 4, accuracy: 0.1)
    }

    func testOpCountBaselineHandlesTheRankDeficientOneHots() throws {
        // An additive cost per (edge, op): exactly what the op-count model can represent.
        let table = try NB201Table.load(from: EvalTestData.repoData.appendingPathComponent("nb201/train.csv"))
        let cells = try table.rows.prefix(400).map { try NB201EdgeOps(arch: $0.arch) }
        let cost = (0..<30).map { Double(($0 * 7) % 11) + 0.5 }
        let targets = cells.map { cell in cell.ops.enumerated().reduce(2.0) { $0 + cost[$1.offset * 5 + $1.element] } }
        let baseline = try NB201OpCountBaseline(training: cells, targets: targets)
        XCTAssertEqual(baseline.fit.rank, 25, "each edge's 5 one-hots sum to the intercept column")
        for (cell, target) in zip(cells, targets) { XCTAssertEqual(baseline.predict(cell), target, accuracy: 1e-9) }
        // With noise the fit is no longer exact, but must still be the least-squares projection.
        let noisy = targets.map { $0 + sin($0 * 3) }
        let noisyFit = try LeastSquaresFit.fit(rows: cells.map(\.oneHotFeatures), targets: noisy)
        assertNormalEquationsHold(noisyFit, rows: cells.map(\.oneHotFeatures), targets: noisy)
    }

    func testBadInputsAreErrors() {
        XCTAssertEqual(EvalTestData.error { _ = try LeastSquaresFit.fit(rows: [], targets: []) }, "least squares needs at least one sample")
        XCTAssertEqual(EvalTestData.error { _ = try LeastSquaresFit.fit(rows: [[1], [1, 2]], targets: [1, 2]) }, "feature row 2 has 2 values, row 1 has 1")
        XCTAssertEqual(EvalTestData.error { _ = try LeastSquaresFit.fit(rows: [[1], [.nan]], targets: [1, 2]) }, "feature row 2 holds a value that is not a finite number")
        XCTAssertEqual(EvalTestData.error { _ = try LeastSquaresFit.fit(rows: [[1]], targets: [1, 2]) }, "1 feature rows for 2 targets")
    }
}
