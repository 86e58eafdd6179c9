import Foundation
import Store
import XCTest
@testable import Learning

/// `narformer suggest`'s choice: unmeasured networks only, novelty first, spread over
/// sizes, within a budget; and its speed over a large store.
final class SuggestionPlannerTests: XCTestCase {
    private func hash(_ i: Int) -> String { String(format: "%064x", i) }

    private func prediction(_ i: Int, platform: String = "cpu", flops: Double, novelty: Double?, ms: Double = 1) -> Prediction {
        Prediction(graphHash: hash(i), platform: platform, batchSize: 1, modelVersion: 0, kind: .latencyMs, value: ms,
                   flops: flops, params: flops / 100, memoryAccess: flops / 10, novelty: novelty,
                   noveltyReason: novelty.map { $0 >= 2 ? "far" : nil } ?? nil)
    }

    func testPicksStandForTheGroupsWeightedByNovelty() throws {
        let space = try LearningWorkspace()
        try space.store.write { w in
            // Two size clusters of equally novel networks, one very novel network, one measured one.
            for i in 0..<5 { try w.putPrediction(prediction(i, flops: 1e6 * Double(1 + i) * 0.01 + 1e6, novelty: 1.2)) }
            for i in 5..<10 { try w.putPrediction(prediction(i, flops: 1e10 * (1 + Double(i) * 0.001), novelty: 1.2)) }
            try w.putPrediction(prediction(10, flops: 1e8, novelty: 5))
            try w.putPrediction(prediction(11, flops: 1e9, novelty: 9))
            try w.putPrediction(prediction(12, platform: "gpu", flops: 1e8, novelty: 50))
            _ = try w.putMeasurement(LatencyMeasurement(graphHash: hash(11), platform: "cpu", batchSize: 1, latencyMs: 2,
                                                        source: "t", measuredAt: Date()))
        }
        let planner = try SuggestionPlanner.load(store: space.store, platform: "cpu")
        XCTAssertEqual(planner.candidates.count, 11, "the measured network and the other platform's are no candidates")
        XCTAssertEqual(planner.novelCount, 1)
        let picks = planner.plan(count: 3)
        func group(_ pick: SuggestionPlanner.Pick) -> String {
            let h = pick.candidate.graphHash
            return h == hash(10) ? "novel" : h < hash(5) ? "small" : "large"
        }
        XCTAssertEqual(Set(picks.map(group)), ["small", "large", "novel"],
                       "three picks stand for the three groups, not three of one cluster: \(picks.map(\.reason))")
        XCTAssertEqual(group(picks[0]), "small", "the biggest group far from the measured network comes first")
        let novel = try XCTUnwrap(picks.first { group($0) == "novel" })
        XCTAssertTrue(novel.reason.hasPrefix("novelty 5.00 (far)"), novel.reason)
        // A network the model knows far less than any other counts for more than a cluster.
        var boosted = planner
        boosted.candidates = boosted.candidates.map { var c = $0; if c.graphHash == hash(10) { c.novelty = 50 }; return c }
        XCTAssertEqual(boosted.plan(count: 1).map(group), ["novel"])
        XCTAssertEqual(planner.plan(count: 20).count, 11)
        XCTAssertEqual(planner.plan(count: 20, budgetMs: 2.5).count, 2, "each pick is predicted at 1 ms")
    }

    func testTenThousandStoredNetworksPlanInUnderFiveSeconds() throws {
        let space = try LearningWorkspace()
        try space.store.write { w in
            for i in 0..<10_000 {
                let flops = 1e6 * Double(1 + (i * 7919) % 10_000)
                try w.putPrediction(prediction(i, flops: flops, novelty: 0.5 + Double((i * 104_729) % 1000) / 250))
                if i % 10 == 0 {
                    _ = try w.putMeasurement(LatencyMeasurement(graphHash: hash(i), platform: "cpu", batchSize: 1,
                                                                latencyMs: 1, source: "t", measuredAt: Date()))
                }
            }
        }
        let start = Date()
        let picks = try SuggestionPlanner.load(store: space.store, platform: "cpu").plan(count: 100)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(picks.count, 100)
        XCTAssertLessThan(seconds, 5, "suggesting over 10,000 stored networks")
    }
}
