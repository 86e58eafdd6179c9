import Foundation
import ONNX
import XCTest
@testable import Engine

/// The content hash names the network: file names, node names and weight values do
/// not change it; a changed network does.
final class ImportContentHashTests: XCTestCase {
    private func resnet18() throws -> Data {
        try Data(contentsOf: ImportTestSupport.fixture("onnx/resnet18-v1-7-no-weight.onnx"))
    }

    func testRenamedNodesAndFileKeepTheHash() throws {
        let original = try resnet18()
        var model = try Onnx_ModelProto(serializedBytes: original)
        // Rename every tensor and node consistently, and give the weights values.
        var rename: [String: String] = [:]
        func renamed(_ s: String) -> String {
            if s.isEmpty { return s }
            if let r = rename[s] { return r }
            let r = "t\(rename.count)"
            rename[s] = r
            return r
        }
        for i in model.graph.node.indices {
            model.graph.node[i].name = "n\(i)"
            model.graph.node[i].input = model.graph.node[i].input.map(renamed)
            model.graph.node[i].output = model.graph.node[i].output.map(renamed)
        }
        for i in model.graph.input.indices { model.graph.input[i].name = renamed(model.graph.input[i].name) }
        for i in model.graph.output.indices { model.graph.output[i].name = renamed(model.graph.output[i].name) }
        for i in model.graph.initializer.indices {
            model.graph.initializer[i].name = renamed(model.graph.initializer[i].name)
            if model.graph.initializer[i].dims.count == 1 {
                model.graph.initializer[i].floatData = Array(repeating: 0.5, count: Int(model.graph.initializer[i].dims[0]))
            }
        }
        let a = try NetworkImporter.importData(original, format: .onnx, name: "resnet18.onnx")
        let b = try NetworkImporter.importData(try model.serializedBytes(), format: .onnx, name: "other-name.onnx")
        XCTAssertEqual(a.contentHash.count, 64)
        XCTAssertEqual(a.contentHash, b.contentHash)
        XCTAssertEqual(a.canonicalData(), b.canonicalData())
        XCTAssertNotEqual(a.graph.nodes.map(\.name), b.graph.nodes.map(\.name))
    }

    func testChangedNetworkChangesTheHash() throws {
        let original = try resnet18()
        var model = try Onnx_ModelProto(serializedBytes: original)
        // Change one attribute: the stride of the first conv's neighbour pool.
        let poolIndex = try XCTUnwrap(model.graph.node.firstIndex { $0.opType == "MaxPool" })
        for a in model.graph.node[poolIndex].attribute.indices where model.graph.node[poolIndex].attribute[a].name == "pads" {
            model.graph.node[poolIndex].attribute[a].ints = [0, 0, 0, 0]
        }
        let a = try NetworkImporter.importData(original, format: .onnx, name: "a.onnx")
        let b = try NetworkImporter.importData(try model.serializedBytes(), format: .onnx, name: "a.onnx")
        XCTAssertNotEqual(a.contentHash, b.contentHash)

        let other = try NetworkImporter.importFile(at: ImportTestSupport.latencyONNX.appendingPathComponent("resnet/resnet_2026_0000.onnx"))
        XCTAssertNotEqual(a.contentHash, other.contentHash)
    }

    func testHashIsStableAcrossImports() throws {
        let url = ImportTestSupport.latencyONNX.appendingPathComponent("vgg/vgg_2026_0000.onnx")
        let a = try NetworkImporter.importFile(at: url)
        let b = try NetworkImporter.importFile(at: url, batchSize: 4)
        XCTAssertEqual(a.contentHash, b.contentHash)
    }
}
