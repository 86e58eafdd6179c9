import XCTest
@testable import Engine

/// The `costs` encoding on real networks of the repo's data.
final class CostTokenizerTests: XCTestCase {
    func testCostTokensExtendTheBaselineRows() throws {
        let url = ImportTestSupport.latencyONNX.appendingPathComponent("mobilenetv2/mobilenetv2_2026_0000.onnx")
        let network = try NetworkImporter.importFile(at: url, batchSize: 2)
        let base = network.tokens(encoding: .baseline), costs = network.tokens(encoding: .costs)
        XCTAssertEqual(costs.tokenDim, CostTokenizer.tokenDim)
        XCTAssertEqual(costs.nodeCount, base.nodeCount)
        XCTAssertEqual(costs.edges, base.edges)
        XCTAssertEqual(costs.staticFeatures.count, CostTokenizer.staticDim)
        var depthwise = 0
        for (i, node) in network.graph.nodes.enumerated() {
            let row = Array(costs.tokens[(i * costs.tokenDim)..<((i + 1) * costs.tokenDim)])
            XCTAssertEqual(Array(row[CostTokenizer.costColumns...]),
                           Array(base.tokens[(i * base.tokenDim)..<((i + 1) * base.tokenDim)]))
            let flops = Double(Foundation.exp(Double(row[CostTokenizer.flopsColumn] * CostTokenizer.logScale))) - 1
            XCTAssertEqual(flops, network.nodeCosts[i].flops, accuracy: 1e-4 * network.nodeCosts[i].flops + 1)
            if node.op == "Input" { XCTAssertEqual(row[CostTokenizer.memoryColumn], 0) }
            if row[5] == 1 {
                depthwise += 1
                XCTAssertEqual(node.op, "Conv")
                XCTAssertEqual(row[6], 1, "a depthwise conv has one group per input channel")
            }
        }
        XCTAssertGreaterThan(depthwise, 5, "MobileNetV2 is built of depthwise convolutions")
        XCTAssertEqual(costs.staticFeatures[0], Float(Foundation.log(2.0)) / 5, accuracy: 1e-6)
    }

    func testEncodingNamesRoundTripAndUnknownNamesAreErrors() throws {
        for encoding in TokenEncoding.allCases { XCTAssertEqual(TokenEncoding(storedName: encoding.storedName), encoding) }
        XCTAssertEqual(TokenEncoding(storedName: ""), .baseline, "old checkpoints name no encoding")
        XCTAssertEqual(TokenEncoding.baseline.storedName, TrainingDataset.networkEncoding)
        let url = ImportTestSupport.latencyONNX.appendingPathComponent("resnet/resnet_2026_0000.onnx")
        let network = try NetworkImporter.importFile(at: url)
        XCTAssertEqual(try network.tokens(storedEncoding: "costs-160").tokenDim, 160)
        XCTAssertThrowsError(try network.tokens(storedEncoding: "nb201-cell-128")) { error in
            XCTAssertTrue("\(error)".contains("nb201-cell-128"), "\(error)")
        }
    }
}
