import Foundation
import XCTest
@testable import Engine

/// Our import against the authors' own extraction of the same files: totals within 1%,
/// the same nodes and edges, and the tokens of every node within 1e-4. The same check runs
/// on networks the authors' extraction never saw, against values computed independently
/// from the written rules (Fixtures/token-references, tools/fixtures/token_references.py):
/// a small ShuffleNetV2 (channel Split, Reshape -> Transpose -> Reshape shuffles) and a
/// network of AveragePool layers.
final class ImportFixtureParityTests: XCTestCase {
    static let fixtures = [
        "alexnet_2026_0000.b1.json", "efficientnet_2026_0000.b1.json", "googlenet_2026_0000.b1.json",
        "mnasnet_2026_0000.b1.json", "mobilenetv2_2026_0000.b1.json", "mobilenetv3_2026_0000.b1.json",
        "resnet18-v1-7-no-weight.b1.json", "resnet18-v1-7-no-weight.b8.json", "resnet_2026_0000.b1.json",
        "squeezenet_2026_0000.b1.json", "vgg_2026_0000.b1.json",
    ]

    func testEveryFixtureMatchesTheAuthorsExtraction() throws {
        for name in Self.fixtures {
            try checkParity(name)
        }
    }

    func testShuffleNetV2MatchesIndependentReference() throws {
        try checkParity("shufflenetv2_block.b1.json", folder: "token-references")
        let theirs = try ImportTestSupport.loadExtraction("shufflenetv2_block.b1.json", folder: "token-references")
        let ours = try NetworkImporter.importFile(at: ImportTestSupport.onnxFile(for: theirs), batchSize: 1)
        // End to end: 40 operations + the input; both shuffles and the split are there.
        XCTAssertEqual(ours.graph.nodes.count, 41)
        XCTAssertEqual(ours.graph.nodes.filter { $0.op == "Transpose" }.count, 2)
        XCTAssertEqual(ours.graph.nodes.filter { $0.op == "Split" }.count, 1)
        XCTAssertEqual(ours.totals.flops, 633_984)
        XCTAssertEqual(ours.totals.params, 9_018)
        XCTAssertTrue(ours.unknownOps.isEmpty, "unknown ops: \(ours.unknownOps)")
    }

    func testAveragePoolNetworkMatchesIndependentReference() throws {
        try checkParity("avgpool_net.b1.json", folder: "token-references")
    }

    private func checkParity(_ fixtureName: String, folder: String = "tokens") throws {
        let theirs = try ImportTestSupport.loadExtraction(fixtureName, folder: folder)
        let ours = try NetworkImporter.importFile(at: ImportTestSupport.onnxFile(for: theirs), batchSize: theirs.batch)
        let tokens = ours.tokens()
        let tag = fixtureName

        // Same nodes, by name.
        var ourIndex: [String: Int] = [:]
        for (i, n) in ours.graph.nodes.enumerated() { ourIndex[n.name] = i }
        let theirNames = Set(theirs.nodes.map(\.name))
        XCTAssertEqual(Set(ourIndex.keys), theirNames, "\(tag): node sets differ")
        XCTAssertEqual(ours.graph.nodes.count, theirs.nodes.count, "\(tag): node count")

        // Same edges, by name.
        let theirEdges = Set(theirs.edges.map { [theirs.nodes[$0[0]].name, theirs.nodes[$0[1]].name].sorted().joined(separator: " -- ") })
        let ourEdges = Set(tokens.edges.map { [ours.graph.nodes[Int($0.a)].name, ours.graph.nodes[Int($0.b)].name].sorted().joined(separator: " -- ") })
        XCTAssertEqual(ourEdges.subtracting(theirEdges).sorted(), [], "\(tag): edges only we have")
        XCTAssertEqual(theirEdges.subtracting(ourEdges).sorted(), [], "\(tag): edges only they have")

        // Per node: op, shape, costs (only at batch 1: at other batches we count the whole batch) and tokens.
        var worstToken: Float = 0
        for (j, node) in theirs.nodes.enumerated() {
            guard let i = ourIndex[node.name] else { continue }
            let our = ours.graph.nodes[i]
            XCTAssertEqual(our.op, node.op, "\(tag) \(node.name): op")
            XCTAssertEqual(our.outputShape, node.output_shape, "\(tag) \(node.name): output shape")
            if theirs.batch == 1 {
                let c = ours.nodeCosts[i]
                let expected = node.flops_params_memory
                XCTAssertEqual(c.flops, expected[0], accuracy: max(1, expected[0] * 1e-6), "\(tag) \(node.name) (\(node.op)): FLOPs")
                XCTAssertEqual(c.params, expected[1], accuracy: max(1, expected[1] * 1e-6), "\(tag) \(node.name) (\(node.op)): params")
                XCTAssertEqual(c.memoryAccess, expected[2], accuracy: max(1, expected[2] * 1e-6), "\(tag) \(node.name) (\(node.op)): memory")
            }
            let row = Array(tokens.tokens[(i * 152)..<((i + 1) * 152)])
            for k in 0..<152 {
                let d = abs(row[k] - theirs.tokens[j][k])
                worstToken = max(worstToken, d)
                if d > 1e-4 {
                    XCTFail("\(tag) \(node.name) (\(node.op)): token[\(k)] = \(row[k]), theirs \(theirs.tokens[j][k])")
                    break
                }
            }
        }

        // Totals and the static vector.
        if theirs.batch == 1 {
            XCTAssertEqual(ours.totals.flops, theirs.flops, accuracy: theirs.flops * 0.01, "\(tag): FLOPs total")
            XCTAssertEqual(ours.totals.params, theirs.params, accuracy: theirs.params * 0.01, "\(tag): params total")
            XCTAssertEqual(ours.totals.memoryAccess, theirs.memory_access, accuracy: theirs.memory_access * 0.01, "\(tag): memory total")
            for k in 0..<40 {
                XCTAssertEqual(tokens.staticFeatures[k], theirs.static_tokens[k], accuracy: 1e-4, "\(tag): static[\(k)]")
            }
        } else {
            // Their Conv/Gemm/pool FLOPs leave the batch out; ours count it, so ours are larger.
            XCTAssertGreaterThan(ours.totals.flops, theirs.flops, "\(tag): whole-batch FLOPs")
            XCTAssertEqual(ours.totals.params, theirs.params, accuracy: theirs.params * 0.01, "\(tag): params total")
            XCTAssertEqual(ours.totals.memoryAccess, theirs.memory_access, accuracy: theirs.memory_access * 0.01, "\(tag): memory total")
            for k in 0..<10 {
                XCTAssertEqual(tokens.staticFeatures[k], theirs.static_tokens[k], accuracy: 1e-4, "\(tag): static batch PE[\(k)]")
            }
        }
    }
}
