import Foundation
import XCTest
@testable import Engine

/// Every ONNX file of the shared latency data set (data/latency/onnx, all 9 families)
/// and the model-zoo ResNet-18 (opset 7) import, with sane shapes and costs.
final class ImportDataSetTests: XCTestCase {
    func testEveryLatencyFileImports() throws {
        let root = ImportTestSupport.latencyONNX
        let families = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        XCTAssertGreaterThanOrEqual(families.count, 9, "expected the 9 families under \(root.path)")
        var files = 0
        for family in families {
            let dir = root.appendingPathComponent(family)
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".onnx") }.sorted()
            XCTAssertFalse(names.isEmpty, "\(family) has no ONNX file")
            for name in names {
                let net = try NetworkImporter.importFile(at: dir.appendingPathComponent(name))
                files += 1
                XCTAssertGreaterThan(net.totals.flops, 0, name)
                XCTAssertGreaterThan(net.totals.params, 0, name)
                XCTAssertEqual(net.unknownOps.keys.filter { !["Identity", "HardSigmoid"].contains($0) }, [], name)
                let t = net.tokens()
                XCTAssertEqual(t.nodeCount, net.graph.nodes.count)
                XCTAssertEqual(t.staticFeatures.count, 40)
                XCTAssertTrue(t.tokens.allSatisfy(\.isFinite), name)
            }
        }
        XCTAssertGreaterThanOrEqual(files, 9)
    }

    func testModelZooResNet18Opset7() throws {
        let net = try NetworkImporter.importFile(at: ImportTestSupport.fixture("onnx/resnet18-v1-7-no-weight.onnx"))
        XCTAssertEqual(net.graph.nodes.last?.outputShape, [1, 1000])
        XCTAssertEqual(net.graph.opHistogram["Conv"], 20)
        XCTAssertEqual(net.totals.flops, 3_636_354_048, accuracy: 3.7e7)
    }

    func testBatchReplacesTheInputBatchDimension() throws {
        let url = try ImportTestSupport.fixture("onnx/resnet18-v1-7-no-weight.onnx")
        let b1 = try NetworkImporter.importFile(at: url, batchSize: 1)
        let b8 = try NetworkImporter.importFile(at: url, batchSize: 8)
        XCTAssertEqual(b8.graph.nodes.last?.outputShape, [8, 1000])
        XCTAssertEqual(b8.batchSize, 8)
        // Every op counted for the whole batch: exactly 8 times the FLOPs of batch 1.
        XCTAssertEqual(b8.totals.flops, 8 * b1.totals.flops, accuracy: 1)
        XCTAssertEqual(b8.totals.params, b1.totals.params)
        XCTAssertEqual(b8.contentHash, b1.contentHash, "the hash names the network, not the measurement's batch")
    }
}
