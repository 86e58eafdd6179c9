import Engine
import Foundation
import TestSupport
import Learning
import XCTest
@testable import Lab

/// The rate-design order (`RateDesignPlanner`, a lab option): picks go where the rate
/// correction knows least and many unmeasured networks spend their time; a copy of a pick
/// adds little; cost mixes are read from real tokens.
final class RateDesignPlanTests: XCTestCase {
    private func hash(_ i: Int) -> String { String(format: "%064x", i) }

    /// A network whose FLOPs, memory and nodes lie in `groups` (each: FLOPs, elements moved,
    /// nodes), predicted by one roofline so that the planner's roofline fit is exact.
    private func mix(_ groups: [String: [Double]]) -> (NetworkCostMix, Double) {
        let total = (0..<3).map { k in groups.values.reduce(0) { $0 + $1[k] } }
        return (NetworkCostMix(total: total, groups: groups), 1e-9 * total[0] + 1e-8 * total[1] + 0.01 * total[2])
    }

    private struct Network {
        var candidate: SuggestionPlanner.Candidate
        var costMix: NetworkCostMix?
    }

    private func candidate(_ i: Int, _ groups: [String: [Double]]) -> Network {
        let (costMix, ms) = mix(groups)
        return Network(candidate: .init(graphHash: hash(i), batchSize: 1, predictedMs: ms, novelty: 1, noveltyReason: nil,
                                        modelVersion: 0, size: [Foundation.log(costMix.total[0]), 10, 12]),
                       costMix: costMix)
    }

    /// The planner over `networks`, with `measured` (each: its groups) measured already.
    private func planner(_ networks: [Network], measured: [[String: [Double]]] = [], byNovelty: Bool = false) -> RateDesignPlanner {
        RateDesignPlanner(candidates: networks.map(\.candidate), costMixes: networks.map(\.costMix),
                          measured: measured.map { _ in SuggestionPlanner.Measured(size: [20, 10, 12]) },
                          measuredMixes: measured.map { mix($0).0 }, byNovelty: byNovelty)
    }

    private func mixOf(_ pick: SuggestionPlanner.Pick, in networks: [Network]) -> NetworkCostMix? {
        networks.first { $0.candidate.graphHash == pick.candidate.graphHash }?.costMix
    }

    /// Dense networks (Conv and Relu) of several sizes and mixes.
    private func dense(_ i: Int) -> [String: [Double]] {
        let scale = 1 + Double(i % 5)
        return ["Conv": [1e9 * scale, 1e7 * scale, 20 + Double(i % 3)], "Relu": [1e7 * scale, 2e7 * scale, 20]]
    }

    private func depthwise(_ i: Int) -> [String: [Double]] {
        let scale = 1 + Double(i % 3)
        return ["Conv": [3e8 * scale, 1e7 * scale, 30], NetworkCostMix.depthwise: [5e7 * scale, 4e7 * scale, 15],
                "Relu": [1e7 * scale, 2e7 * scale, 30]]
    }

    func testTheFirstPickGoesToTheGroupNothingMeasuredCovers() throws {
        let candidates = (0..<12).map { candidate($0, dense($0)) } + (12..<16).map { candidate($0, depthwise($0)) }
        let measured = (100..<104).map(dense)
        let first = try XCTUnwrap(planner(candidates, measured: measured).plan(count: 1).first)
        XCTAssertNotNil(mixOf(first, in: candidates)?.groups[NetworkCostMix.depthwise],
                        "four dense networks are measured, no depthwise one: \(first.reason)")
        XCTAssertTrue(first.reason.contains("teaches depthwise conv"), first.reason)
        XCTAssertTrue(first.reason.contains("0 measured and 3 unmeasured networks spend 5% or more there"), first.reason)
        // Control: once depthwise networks are measured too, the first pick is no longer one of them.
        let covered = planner(candidates, measured: measured + (200..<206).map(depthwise))
        XCTAssertNil(mixOf(try XCTUnwrap(covered.plan(count: 1).first), in: candidates)?.groups[NetworkCostMix.depthwise])
    }

    func testACopyOfAPickAddsLittle() throws {
        // Two identical depthwise networks, and dense ones: after one depthwise pick, its copy
        // is worth less than a dense network (nothing measured yet).
        let twins = [candidate(0, depthwise(0)), candidate(1, depthwise(0))]
        let design = planner(twins + (2..<8).map { candidate($0, dense($0)) })
        let picks = design.plan(count: 2)
        XCTAssertEqual(picks.count, 2)
        XCTAssertEqual(picks.filter { $0.candidate.graphHash <= hash(1) }.count, 1,
                       "one of the twins, not both: \(picks.map(\.candidate.graphHash))")
        XCTAssertLessThan(picks[1].priority, picks[0].priority, "each pick gains less than the one before")
        // The whole list: every candidate once, and the budget still holds.
        XCTAssertEqual(Set(design.plan(count: 20).map(\.candidate.graphHash)).count, 8)
        let cheapest = try XCTUnwrap(design.candidates.map(\.predictedMs).min())
        XCTAssertTrue(design.plan(count: 20, budgetMs: cheapest).allSatisfy { $0.candidate.predictedMs <= cheapest })
    }

    func testWithoutCostMixesThePlannerCovers() throws {
        // A cell platform has no cost tokens: coverage of sizes, even when the rate design is asked for.
        var plain = (0..<6).map { candidate($0, dense($0)) }
        for k in plain.indices { plain[k].costMix = nil }
        let picks = planner(plain).plan(count: 2)
        XCTAssertEqual(picks.count, 2)
        XCTAssertTrue(picks.allSatisfy { $0.reason.contains("the nearest measured network") }, "\(picks.map(\.reason))")
        // Networks that have cost mixes get the design; what narformer suggest does is coverage.
        let designed = planner((0..<6).map { candidate($0, dense($0)) }, byNovelty: true)
        XCTAssertTrue(designed.plan(count: 1).allSatisfy { $0.reason.contains("teaches") })
        XCTAssertEqual(SuggestionMethod.product, .coverage)
        // One network without stored tokens among others: the design still plans; it tells only
        // the common scale, so it is not the first pick, and its reason says so.
        var mixed = (0..<6).map { candidate($0, dense($0)) }
        mixed[0].costMix = nil
        let order = planner(mixed, byNovelty: true).plan(count: 6)
        XCTAssertEqual(order.count, 6)
        XCTAssertNotEqual(order.first?.candidate.graphHash, hash(0))
        let tokenless = try XCTUnwrap(order.first { $0.candidate.graphHash == hash(0) })
        XCTAssertTrue(tokenless.reason.hasSuffix("pins down the platform's overall speed"), tokenless.reason)
        XCTAssertTrue(order.filter { $0.candidate.graphHash != hash(0) }.allSatisfy { $0.reason.contains("teaches") })
    }

    func testCostMixIsReadFromRealTokens() throws {
        let url = RepositoryData.root.appendingPathComponent("data/latency/onnx/mobilenetv2/mobilenetv2_2026_0000.onnx")
        let network = try NetworkImporter.importFile(at: url)
        let encoding = ModelTokens.network(.costs2)
        let tokens = try network.tokens(for: encoding)
        let mix = try XCTUnwrap(NetworkCostMix(tokens, tokens: encoding))
        let conv = try XCTUnwrap(mix.groups["Conv"]), depthwise = try XCTUnwrap(mix.groups[NetworkCostMix.depthwise])
        XCTAssertGreaterThan(conv[0], depthwise[0], "depthwise convolutions are Conv nodes with a share of its FLOPs")
        XCTAssertLessThan(depthwise[2], conv[2])
        XCTAssertEqual(mix.total[2], Double(tokens.nodeCount))
        let opNodes = mix.groups.filter { $0.key != NetworkCostMix.depthwise }.values.reduce(0) { $0 + $1[2] }
        XCTAssertLessThanOrEqual(opNodes, mix.total[2])
        XCTAssertEqual(mix.total[0], try XCTUnwrap(NetworkTraits(tokens, tokens: encoding).flops),
                       accuracy: 1e-6 * mix.total[0])
        XCTAssertNil(NetworkCostMix(try network.tokens(for: .network(.baseline)), tokens: .network(.baseline)),
                     "the baseline tokens have no cost columns")
    }
}
