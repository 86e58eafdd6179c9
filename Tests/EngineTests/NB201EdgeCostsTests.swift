import Engine
import Foundation
import XCTest

final class NB201EdgeCostsTests: XCTestCase {
    private let arch = "|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"

    func testACellsOperationsAreReadBackFromItsTokensInEitherEncoding() throws {
        let cell = try NB201Cell(arch: arch)
        XCTAssertEqual(NB201Cell.edgeOperations(in: cell.tokenGraph(encoding: .trans)), cell.edgeOps)
        XCTAssertEqual(NB201Cell.edgeOperations(in: cell.tokenGraph(encoding: .nerf)), cell.edgeOps)
        XCTAssertEqual(cell.edgeOps, [3, 0, 4, 1, 2, 3])
    }

    func testGraphsThatAreNotCanonicalCellsReadAsNone() throws {
        let cell = try NB201Cell(arch: arch)
        // Some seed reorders the rows (and so relabels the edges): not in canonical order.
        let reordered = (1...20).map { cell.reordered(seed: UInt64($0)) }.first { $0.edges != cell.tokenGraph().edges }
        XCTAssertNil(NB201Cell.edgeOperations(in: try XCTUnwrap(reordered)))
        var damaged = cell.tokenGraph()
        damaged.tokens[2 * NB201Cell.tokenDim] += 0.5
        XCTAssertNil(NB201Cell.edgeOperations(in: damaged))
        var network = cell.tokenGraph()
        network.staticFeatures = [1]
        XCTAssertNil(NB201Cell.edgeOperations(in: network))
    }

    func testLeastSquaresRecoversAnAdditiveDeviceExactly() throws {
        // latency = 2 + sum of per-op costs that differ by edge.
        func truth(_ ops: [Int]) -> Double {
            2 + ops.enumerated().reduce(0) { $0 + Double($1.element) * (0.5 + 0.1 * Double($1.offset)) }
        }
        let cells = (0..<60).map { i -> [Int] in
            var code = (i * 7919) % 15625
            return (0..<6).map { _ in defer { code /= 5 }; return code % 5 }
        }
        let costs = try NB201EdgeCosts.fit(ops: cells, targets: cells.map(truth))
        for ops in [[0, 0, 0, 0, 0, 0], [4, 3, 2, 1, 0, 4], [1, 1, 1, 1, 1, 1]] {
            XCTAssertEqual(costs.predict(ops), truth(ops), accuracy: 1e-9)
        }
        XCTAssertEqual(try costs.scaled(by: 3).predict([4, 3, 2, 1, 0, 4]), 3 * truth([4, 3, 2, 1, 0, 4]), accuracy: 1e-9)
        XCTAssertThrowsError(try NB201EdgeCosts(coefficients: [1, 2], floor: 1))
        // Cells the fit would put below zero stay positive, below the floor, in order.
        let negative = try NB201EdgeCosts(coefficients: [-5, 1] + Array(repeating: 0, count: 23), floor: 0.25)
        let lower = negative.predict([0, 0, 0, 0, 0, 0]), higher = negative.predict([1, 0, 0, 0, 0, 0])
        XCTAssertGreaterThan(lower, 0)
        XCTAssertLessThan(lower, higher)
        XCTAssertLessThan(higher, 0.25)
    }

    func testTheOpCountFitAsEdgeCostsPredictsWhatTheOpCountFitPredicts() throws {
        // A noisy, not quite additive device: the two parameterisations of one least squares agree.
        func latency(_ ops: [Int]) -> Double {
            3 + ops.enumerated().reduce(0) { $0 + Double($1.element * $1.element) * (0.2 + 0.05 * Double($1.offset)) }
                + (ops[0] == 3 && ops[5] == 3 ? 1.5 : 0) + 0.3 * sin(Double(ops.reduce(0, +) * 7))
        }
        let cells = (0..<200).map { i -> [Int] in
            var code = (i * 7919 + 13) % 15625
            return (0..<6).map { _ in defer { code /= 5 }; return code % 5 }
        }
        let opCounts = try NB201OpCountBaseline(training: try cells.map { try NB201EdgeOps(ops: $0) },
                                                targets: cells.map(latency))
        let costs = try NB201EdgeCosts(opCounts, floor: 0.01)
        for i in 0..<100 {
            var code = (i * 104_729 + 5) % 15625
            let ops = (0..<6).map { _ in defer { code /= 5 }; return code % 5 }
            XCTAssertEqual(costs.predict(ops), opCounts.predict(try NB201EdgeOps(ops: ops)), accuracy: 1e-9)
        }
        XCTAssertThrowsError(try NB201EdgeOps(ops: [0, 1, 2, 3, 4]))
        XCTAssertThrowsError(try NB201EdgeOps(ops: [0, 1, 2, 3, 4, 5]))
    }

    func testACellBaseMultipliesTheDecodedOutputAndSurvivesTheCheckpoint() throws {
        let config = ModelConfig(kind: .accuracy, inDim: NB201Cell.tokenDim, hidden: 16, layers: 1, groups: 4, ffnRatio: 2,
                                 fcHidden: 16, staticDim: 0, readout: .mean, dropout: 0)
        let trained = TrainedModel(model: try NARFormerModel(config: config, seed: 3), targetScale: 1.5,
                                   metadata: CheckpointMetadata(tokenEncoding: ModelTokens.cell.storedName, platform: "p",
                                                                trainingDataDigest: ""))
        trained.transform = .log
        let graphs = try [arch, "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"].map { try NB201Cell(arch: $0).tokenGraph() }
        let plain = try trained.predictValues(graphs)
        let base = try NB201EdgeCosts(coefficients: (0..<25).map { 1 + Double($0) / 10 }, floor: 0.1)
        trained.cellBase = base
        let withBase = try trained.predictValues(graphs)
        for (graph, (p, b)) in zip(graphs, zip(plain, withBase)) {
            XCTAssertEqual(b, p * base.predict(try XCTUnwrap(NB201Cell.edgeOperations(in: graph))), accuracy: 1e-9 * b)
        }
        XCTAssertEqual(try trained.encode(withBase[0], for: graphs[0]), trained.encode(plain[0]), accuracy: 1e-9)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cell-base-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try trained.save(to: url)
        let loaded = try TrainedModel.load(from: url)
        XCTAssertEqual(loaded.cellBase, base)
        XCTAssertEqual(try loaded.predictValues(graphs), withBase)
        // A whole network is refused by a cell model, with the reason.
        var network = graphs[0]
        network.staticFeatures = [1]
        XCTAssertThrowsError(try loaded.baseValue(of: network)) { error in
            XCTAssertTrue("\(error)".contains("not a NAS-Bench-201 cell"), "\(error)")
        }
    }
}
