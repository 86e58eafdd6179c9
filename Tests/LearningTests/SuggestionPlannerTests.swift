import Engine
import Foundation
import Store
import TestSupport
import XCTest
@testable import Learning

/// `narformer suggest`'s choice: unmeasured networks only, novelty first, spread over
/// sizes and op mixes, within a budget; and its speed over a large store.
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

    /// Networks of one size range but two op mixes: the second pick goes to the other op
    /// mix, not to the other end of the size range (where sizes alone would send it).
    func testPicksSpanOpMixesOfNetworksOfOneSize() {
        func candidate(_ i: Int, _ shares: [String: Double]) -> SuggestionPlanner.Candidate {
            .init(graphHash: hash(i), batchSize: 1, predictedMs: 1, novelty: 1, noveltyReason: nil, modelVersion: 0,
                  size: [20 + 0.01 * Double(i % 6), 14, 17], opShares: shares)
        }
        let dense = (0..<6).map { candidate($0, ["Conv": 0.5, "Relu": 0.5]) }
        let depthwise = (6..<9).map { candidate($0, ["Conv": 0.3, "DepthwiseConv": 0.3, "HardSwish": 0.4]) }
        let picks = SuggestionPlanner(candidates: dense + depthwise, measured: []).plan(count: 2)
        let kinds = Set(picks.map { $0.candidate.opShares["DepthwiseConv"] == nil ? "dense" : "depthwise" })
        XCTAssertEqual(kinds, ["dense", "depthwise"], picks.map(\.candidate.graphHash).joined(separator: " "))
        // Control: by sizes alone both picks are dense networks (the ends of the size range).
        let blind = SuggestionPlanner(candidates: (dense + depthwise).map { var c = $0; c.opShares = [:]; return c }, measured: [])
            .plan(count: 2).map(\.candidate.graphHash)
        XCTAssertTrue(blind.allSatisfy { $0 < hash(6) }, "\(blind)")
        // A measured network of the depthwise kind covers it: both picks go to the dense ones.
        let covered = SuggestionPlanner(candidates: dense + depthwise,
                                        measured: [.init(size: depthwise[1].size, opShares: depthwise[1].opShares)]).plan(count: 1)
        XCTAssertNil(covered.first?.candidate.opShares["DepthwiseConv"])
    }

    func testTenThousandStoredNetworksPlanInUnderFiveSeconds() throws {
        let space = try LearningWorkspace()
        // Each network's tokens are stored with its prediction, as the daemon does: the op
        // mix is read from them (a real ResNet's costs2 tokens, under 10,000 hashes).
        let network = try NetworkImporter.importFile(at: XCTUnwrap(RepositoryData.onnxFiles(1).first))
        let encoding = ModelTokens.network(.costs2)
        let payload = MeasuredTokenCodec.encode(try network.tokens(for: encoding))
        try space.store.write { w in
            for i in 0..<10_000 {
                _ = try w.putTokens(TokensRecord(key: MeasuredTokenStore.key(graphHash: hash(i), batchSize: 1, encoding: encoding),
                                                 payload: payload))
                let flops = 1e6 * Double(1 + (i * 7919) % 10_000)
                try w.putPrediction(prediction(i, flops: flops, novelty: 0.5 + Double((i * 104_729) % 1000) / 250))
                if i % 10 == 0 {
                    _ = try w.putMeasurement(LatencyMeasurement(graphHash: hash(i), platform: "cpu", batchSize: 1,
                                                                latencyMs: 1, source: "t", measuredAt: Date()))
                }
            }
        }
        let start = Date()
        let planner = try SuggestionPlanner.load(store: space.store, platform: "cpu")
        let picks = planner.plan(count: 100)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(picks.count, 100)
        XCTAssertEqual(planner.measured.count, 1000)
        XCTAssertTrue(planner.candidates.allSatisfy { ($0.opShares["Conv"] ?? 0) > 0.2 }, "op shares read from the stored tokens")
        XCTAssertLessThan(seconds, 5, "suggesting over 10,000 stored networks")
    }

    /// `narformer status`'s count of waiting networks, from the predictions' keys: every
    /// unmeasured network of the platform once (whatever its batch sizes and model versions),
    /// novel by the prediction the plan reads (the smallest batch size's latest).
    func testWaitingNetworksAreCountedFromTheKeys() throws {
        let space = try LearningWorkspace()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        func put(_ i: Int, platform: String = "cpu", batch: Int = 1, version: Int = 0, novelty: Double?, at seconds: Double,
                 kind: PredictionKind = .latencyMs) throws {
            try space.store.write { w in
                try w.putPrediction(Prediction(graphHash: hash(i), platform: platform, batchSize: batch, modelVersion: version,
                                               kind: kind, value: 1, predictedAt: start.addingTimeInterval(seconds),
                                               novelty: novelty))
            }
        }
        // 0: novel at batch 1 by its newer version; its batch 4 prediction is not novel.
        try put(0, novelty: 1, at: 0)
        try put(0, version: 1, novelty: 3, at: 10)
        try put(0, batch: 4, version: 1, novelty: 1, at: 20)
        // 1: novel once, not by its newest prediction.
        try put(1, novelty: 5, at: 0)
        try put(1, version: 1, novelty: 1.5, at: 30)
        // 2: novel, but measured; 3: novel on another platform only; 4: an accuracy prediction only.
        try put(2, novelty: 9, at: 0)
        try put(3, platform: "gpu", novelty: 9, at: 0)
        try put(4, novelty: 9, at: 0, kind: .accuracy)
        // 5 and 6: waiting, 6 without novelty.
        try put(5, novelty: 2, at: 0)
        try put(6, novelty: nil, at: 0)
        _ = try space.store.write { w in
            try w.putMeasurement(LatencyMeasurement(graphHash: hash(2), platform: "cpu", batchSize: 1, latencyMs: 2,
                                                    source: "t", measuredAt: start))
        }
        let counted = try SuggestionPlanner.waiting(store: space.store, platform: "cpu")
        XCTAssertEqual(counted.waiting, 4, "0, 1, 5 and 6")
        XCTAssertEqual(counted.novel, 2, "0 and 5")
        let planner = try SuggestionPlanner.load(store: space.store, platform: "cpu")
        XCTAssertEqual(planner.candidates.map(\.graphHash), [0, 1, 5, 6].map(hash))
        XCTAssertEqual(planner.candidates.count, counted.waiting)
        XCTAssertEqual(planner.novelCount, counted.novel)
        XCTAssertEqual(planner.measured.count, 1)
        XCTAssertEqual(try SuggestionPlanner.waiting(store: space.store, platform: "gpu").waiting, 1)
    }
}
