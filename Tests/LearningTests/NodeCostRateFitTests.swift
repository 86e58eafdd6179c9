import Engine
import Foundation
import Learning
import TestSupport
import XCTest

/// The per-node-group rate correction: the fit on synthetic problems, and its exact
/// application to a node-cost checkpoint's weights.
final class NodeCostRateFitTests: XCTestCase {
    /// Networks of two groups in random proportions; measured = prior x 0.5, with group 1's
    /// compute term a further x 2 (the kind of difference another runtime makes).
    private static func syntheticProblem(count: Int, seed: UInt64) -> RateCorrectionProblem {
        var rng = SplitMix64(seed: seed)
        let networks = (0..<count).map { i -> RateCorrectionProblem.Network in
            let a = 0.2 + 0.6 * Double(rng.nextUnit())
            let parts = [RateCorrectionProblem.Part(groups: [0], shares: [a * 0.8, a * 0.2, 0]),
                         RateCorrectionProblem.Part(groups: [1], shares: [(1 - a) * 0.7, (1 - a) * 0.3, 0])]
            let truth = 0.5 * (a + (1 - a) * (0.7 * 2 + 0.3))
            return RateCorrectionProblem.Network(parts: parts, logRatio: Foundation.log(truth), key: "n\(i)")
        }
        return RateCorrectionProblem(groupCount: 2, networks: networks)
    }

    private static func rmsLogError(_ correction: RateCorrection, _ problem: RateCorrectionProblem) -> Double {
        var sum = 0.0
        for network in problem.networks {
            var total = 0.0
            for part in network.parts {
                for r in 0..<RateCorrection.terms {
                    let exponent = correction.termShift[r] + part.groups.reduce(0) { $0 + correction.groupShift[r][$1] }
                    total += part.shares[r] * Foundation.exp(exponent)
                }
            }
            let residual = correction.shift + Foundation.log(total) - network.logRatio
            sum += residual * residual
        }
        return (sum / Double(problem.networks.count)).squareRoot()
    }

    func testShrinkageTowardTheCommonScale() {
        let problem = Self.syntheticProblem(count: 40, seed: 8)
        let weak = problem.fit(lambda: 0.03), strong = problem.fit(lambda: 30)
        let size = { (c: RateCorrection) in c.groupShift.flatMap { $0 }.reduce(0) { $0 + $1 * $1 } + c.termShift.reduce(0) { $0 + $1 * $1 } }
        XCTAssertLessThan(size(strong), size(weak), "a stronger penalty keeps the shifts smaller")
        XCTAssertLessThan(Self.rmsLogError(weak, problem), Self.rmsLogError(strong, problem))
    }

    /// Real networks of several families through the shipped node-cost model: a correction
    /// written into the weights moves every prediction exactly as the per-node terms say,
    /// and a fit on latencies made by such a correction reproduces them.
    func testCorrectionWrittenIntoTheWeightsIsExact() throws {
        let model = try DefaultModels.load(.latency)
        let samples = try RepositoryData.onnxFiles(18).enumerated().map { i, url -> MeasuredSample in
            let graph = try NetworkImporter.importFile(at: url, batchSize: 1).tokens(storedEncoding: model.metadata.tokenEncoding)
            return MeasuredSample(measurementID: "\(i)", graphHash: "h\(i)", graph: graph, latencyMs: 1)
        }
        let graphs = samples.map(\.graph)
        let before = try model.predictValues(graphs)
        let terms = try model.model.nodeCostTerms(graphs)
        for (g, graph) in graphs.enumerated() {
            XCTAssertEqual(Double(terms[g].reduce(0, +)) * model.targetScale, before[g], accuracy: 1e-3 * before[g])
            XCTAssertEqual(terms[g].count, graph.nodeCount * 3)
        }
        // Convolutions' compute x 0.5, depthwise ones' compute x 2 on top, everything x 1.5.
        let columns = NodeCostRateFit.groupColumns(tokenDim: model.model.config.inDim)
        let convColumn = CostTokenizer.costColumns, depthwiseColumn = columns[0]
        let expected = graphs.enumerated().map { g, graph -> Double in
            var total = 0.0
            for node in 0..<graph.nodeCount {
                let row = node * graph.tokenDim
                var compute = Double(terms[g][node * 3])
                if graph.tokens[row + convColumn] == 1 { compute *= 0.5 }
                if graph.tokens[row + depthwiseColumn] == 1 { compute *= 2 }
                total += compute + Double(terms[g][node * 3 + 1]) + Double(terms[g][node * 3 + 2])
            }
            return 1.5 * total * model.targetScale
        }
        XCTAssertTrue(zip(expected, before).contains { abs($0 / $1 - 1.5) > 0.05 }, "the correction is not one factor")

        var correction = RateCorrection.identity(groups: 2)
        correction.shift = Foundation.log(1.5)
        correction.groupShift[0] = [Foundation.log(2), Foundation.log(0.5)]
        let copy = try TrainedModel.load(from: DefaultModels.url(for: .latency))
        try NodeCostRateFit.apply(correction, columns: [depthwiseColumn, convColumn], to: copy)
        for (p, e) in zip(try copy.predictValues(graphs), expected) { XCTAssertEqual(p, e, accuracy: 1e-3 * e) }

        // Fitted back from those latencies (a fresh copy of the prior): within 2% of each.
        let measured = samples.enumerated().map { g, sample -> MeasuredSample in
            var s = sample
            s.latencyMs = Float(expected[g])
            return s
        }
        let fresh = try TrainedModel.load(from: DefaultModels.url(for: .latency))
        let fitted = try XCTUnwrap(NodeCostRateFit.adapt(fresh, on: measured))
        XCTAssertTrue(fitted.lambda.isFinite)
        let after = try fresh.predictValues(graphs)
        let mape = zip(after, expected).map { abs($0 / $1 - 1) }.reduce(0, +) / Double(graphs.count)
        let scaleOnly = try TrainedModel.load(from: DefaultModels.url(for: .latency))
        try CandidateTraining.calibrateScale(scaleOnly, on: measured)
        let scaleMAPE = zip(try scaleOnly.predictValues(graphs), expected).map { abs($0 / $1 - 1) }.reduce(0, +) / Double(graphs.count)
        XCTAssertLessThan(mape, 0.5 * scaleMAPE, "fitted \(mape), one scale \(scaleMAPE)")
        XCTAssertLessThan(mape, 0.02)
    }

    /// A runtime whose compute rate grows with a node's size (x FLOPs^0.3 over the prior):
    /// the size slope written into the weights is exact, and a fit with size slopes on
    /// latencies made that way recovers them where op groups alone cannot.
    func testSizeSlopesFitAnEfficiencyThatGrowsWithTheNode() throws {
        let model = try DefaultModels.load(.latency)
        let samples = try RepositoryData.onnxFiles(36).enumerated().map { i, url -> MeasuredSample in
            let graph = try NetworkImporter.importFile(at: url, batchSize: 1).tokens(storedEncoding: model.metadata.tokenEncoding)
            return MeasuredSample(measurementID: "\(i)", graphHash: "h\(i)", graph: graph, latencyMs: 1)
        }
        let graphs = samples.map(\.graph)
        let terms = try model.model.nodeCostTerms(graphs)
        // ln(1 + FLOPs) / 10 is the column, so a slope of 3 on it is FLOPs^0.3.
        let slope = 3.0, centre = 0.8
        let expected = graphs.enumerated().map { g, graph -> Double in
            var total = 0.0
            for node in 0..<graph.nodeCount {
                let x = Double(graph.tokens[node * graph.tokenDim + CostTokenizer.flopsColumn])
                total += Double(terms[g][node * 3]) * Foundation.exp(slope * (x - centre))
                    + Double(terms[g][node * 3 + 1]) + Double(terms[g][node * 3 + 2])
            }
            return total * model.targetScale
        }
        var correction = RateCorrection.identity(groups: 1)
        correction.groupShift[0][0] = slope
        let copy = try TrainedModel.load(from: DefaultModels.url(for: .latency))
        try NodeCostRateFit.apply(correction, groups: [.init(column: CostTokenizer.flopsColumn, centre: centre)], to: copy)
        for (p, e) in zip(try copy.predictValues(graphs), expected) { XCTAssertEqual(p, e, accuracy: 2e-3 * e) }

        let measured = samples.enumerated().map { g, sample -> MeasuredSample in
            var s = sample
            s.latencyMs = Float(expected[g])
            return s
        }
        // Fitted on 24 networks, judged on the 12 others.
        func fittedMAPE(sizeSlopes: Bool) throws -> Double {
            let fresh = try TrainedModel.load(from: DefaultModels.url(for: .latency))
            let (problem, groups) = try NodeCostRateFit.problem(for: fresh, samples: Array(measured.prefix(24)), sizeSlopes: sizeSlopes)
            XCTAssertEqual(groups.count, problem.groupCount)
            try NodeCostRateFit.apply(problem.fit(lambda: 1e-3), groups: groups, to: fresh)
            let judged = Array(graphs.dropFirst(24)), truth = Array(expected.dropFirst(24))
            return zip(try fresh.predictValues(judged), truth).map { abs($0 / $1 - 1) }.reduce(0, +) / Double(judged.count)
        }
        let withSlopes = try fittedMAPE(sizeSlopes: true), groupsOnly = try fittedMAPE(sizeSlopes: false)
        XCTAssertLessThan(withSlopes, 0.02, "groups only: \(groupsOnly)")
        XCTAssertLessThan(withSlopes, 0.5 * groupsOnly)
    }
}
