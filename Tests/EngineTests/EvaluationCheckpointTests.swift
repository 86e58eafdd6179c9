import XCTest
@testable import Engine

final class EvaluationCheckpointTests: XCTestCase {
    func testKeepsTheLowestValidationMAPE() {
        var tracker = BestCheckpointTracker<[Float]>()
        var snapshots = 0
        func snapshot(_ value: Float) -> [Float] { snapshots += 1; return [value] }
        XCTAssertTrue(tracker.offer(epoch: 1, validationMAPE: 0.30, checkpoint: snapshot(1)))
        XCTAssertTrue(tracker.offer(epoch: 2, validationMAPE: 0.20, checkpoint: snapshot(2)))
        XCTAssertFalse(tracker.offer(epoch: 3, validationMAPE: 0.25, checkpoint: snapshot(3)))
        XCTAssertFalse(tracker.offer(epoch: 4, validationMAPE: .nan, checkpoint: snapshot(4)))
        XCTAssertFalse(tracker.offer(epoch: 5, validationMAPE: 0.20, checkpoint: snapshot(5)), "a tie is not an improvement")
        XCTAssertEqual(tracker.best, [2])
        XCTAssertEqual(tracker.bestEpoch, 2)
        XCTAssertEqual(tracker.bestMAPE, 0.20)
        XCTAssertEqual(tracker.epochsWithoutImprovement, 3)
        XCTAssertEqual(snapshots, 2, "checkpoints are only taken for a new best")
    }

    /// A real (if simple) regressor: latency proportional to the sum of a graph's tokens.
    private struct TokenSumRegressor: Regressor {
        let scale: Float
        func predict(_ graphs: [TokenGraph]) -> [Float] {
            graphs.map { scale * $0.tokens.reduce(0, +) }
        }
    }

    private struct DroppingRegressor: Regressor {
        func predict(_ graphs: [TokenGraph]) -> [Float] { Array(repeating: 1, count: max(0, graphs.count - 1)) }
    }

    func testEvaluatesARegressorInChunks() throws {
        let graphs = (1...10).map { TokenGraph(nodeCount: 1, tokenDim: 2, tokens: [Float($0), 1], edges: [], staticFeatures: []) }
        let measured = (1...10).map { 2 * (Double($0) + 1) }
        let families = (1...10).map { $0 <= 5 ? "small" : "large" }
        let report = try RegressorEvaluation.evaluate(TokenSumRegressor(scale: 2), graphs: graphs, measured: measured,
                                                      families: families, batchSize: 3)
        XCTAssertEqual(report.overall.count, 10)
        XCTAssertEqual(report.overall.mape, 0, accuracy: 1e-7)
        XCTAssertEqual(report.overall.acc1, 1)
        XCTAssertEqual(report.perFamily?["small"]?.count, 5)
        let off = try RegressorEvaluation.evaluate(TokenSumRegressor(scale: 2.2), graphs: graphs, measured: measured)
        XCTAssertEqual(off.overall.mape, 0.1, accuracy: 1e-6)
        XCTAssertEqual(off.overall.kendallTau, 1)
        let message = EvalTestData.error { _ = try RegressorEvaluation.evaluate(DroppingRegressor(), graphs: graphs, measured: measured, batchSize: 4) }
        XCTAssertEqual(message, "the model returned 3 predictions for 4 networks")
    }
}
