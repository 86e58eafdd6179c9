import Foundation
import XCTest
@testable import Engine

/// The graph JSON format: a valid network, a cell, and each class of error with the
/// JSON path it names.
final class ImportGraphJSONTests: XCTestCase {
    static let valid = #"""
    {"format": "narformer-graph", "version": 1, "name": "tiny",
     "inputs": [{"name": "x", "shape": [1, 3, 32, 32]}],
     "initializers": [{"name": "w", "shape": [16, 3, 3, 3]}, {"name": "b", "shape": [16]},
                      {"name": "fc", "shape": [10, 16]}],
     "nodes": [
       {"name": "conv", "op": "Conv", "inputs": ["x", "w", "b"], "attributes": {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 2]}},
       {"name": "relu", "op": "Relu", "inputs": ["conv"], "output_shape": [1, 16, 16, 16]},
       {"name": "pool", "op": "GlobalAveragePool", "inputs": ["relu"]},
       {"name": "flat", "op": "Flatten", "inputs": ["pool"]},
       {"name": "gemm", "op": "Gemm", "inputs": ["flat", "fc"], "attributes": {"transB": 1}},
       {"name": "mystery", "op": "FancyOp", "inputs": ["gemm"], "output_shape": [1, 10]}
     ]}
    """#

    private func importJSON(_ text: String, batch: Int? = nil) throws -> ImportedNetwork {
        try NetworkImporter.importData(Data(text.utf8), format: .graphJSON, name: "drop.json", batchSize: batch)
    }

    private func assertError(_ text: String, kind: ImportError.Kind, mentions: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try importJSON(text), file: file, line: line) { error in
            guard let e = error as? ImportError else { return XCTFail("not an ImportError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, kind, "\(e)", file: file, line: line)
            XCTAssertTrue(e.description.contains(mentions), "'\(e)' does not mention '\(mentions)'", file: file, line: line)
            XCTAssertTrue(e.description.hasPrefix("drop.json"), "\(e)", file: file, line: line)
        }
    }

    func testValidNetworkImports() throws {
        let net = try importJSON(Self.valid, batch: 2)
        XCTAssertEqual(net.graph.nodes.map(\.op), ["Input", "Conv", "Relu", "GlobalAveragePool", "Flatten", "Gemm", "FancyOp"])
        XCTAssertEqual(net.graph.nodes[1].outputShape, [2, 16, 16, 16])
        XCTAssertEqual(net.graph.nodes[5].outputShape, [2, 10])
        XCTAssertEqual(net.graph.nodes[6].outputShape, [2, 10], "a stated shape's first dimension follows the batch")
        XCTAssertEqual(net.unknownOps, ["FancyOp": 1])
        XCTAssertEqual(net.totals.params, 16 * (27 + 1) + 10 * 16, accuracy: 0.5)
        XCTAssertEqual(net.tokens().nodeCount, 7)
    }

    func testCellImports() throws {
        let net = try importJSON(#"{"format": "narformer-graph", "version": 1, "cell": "|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|"}"#)
        guard case .cell = net.kind else { return XCTFail("not a cell") }
        XCTAssertEqual(net.tokens().tokenDim, 128)
        XCTAssertEqual(net.tokens().nodeCount, 8)
    }

    func testEachErrorClassNamesItsPath() {
        assertError("{", kind: .malformed, mentions: "not valid JSON")
        assertError("[1]", kind: .schema, mentions: "$: must be an object")
        assertError(#"{"format": "onnx", "version": 1}"#, kind: .schema, mentions: "$.format")
        assertError(#"{"format": "narformer-graph", "version": 2}"#, kind: .schema, mentions: "$.version")
        assertError(#"{"format": "narformer-graph", "version": 1, "extra": 1}"#, kind: .schema, mentions: "$.extra")
        assertError(#"{"format": "narformer-graph", "version": 1, "cell": "|bogus~0|"}"#, kind: .schema, mentions: "$.cell")
        assertError(#"{"format": "narformer-graph", "version": 1, "nodes": []}"#, kind: .schema, mentions: "$.inputs")
        assertError(#"{"format": "narformer-graph", "version": 1, "inputs": [{"name": "x", "shape": [1, -3]}], "nodes": [{"name": "a", "op": "Relu", "inputs": ["x"]}]}"#,
                    kind: .schema, mentions: "$.inputs[0].shape[1]")
        assertError(#"{"format": "narformer-graph", "version": 1, "inputs": [{"name": "x", "shape": [1, 3]}], "nodes": [{"name": "a", "op": "Relu", "inputs": ["y"]}]}"#,
                    kind: .schema, mentions: "$.nodes[0].inputs[0]")
        assertError(#"{"format": "narformer-graph", "version": 1, "inputs": [{"name": "x", "shape": [1, 3]}], "nodes": [{"name": "x", "op": "Relu", "inputs": ["x"]}]}"#,
                    kind: .schema, mentions: "defined twice")
        assertError(#"{"format": "narformer-graph", "version": 1, "inputs": [{"name": "x", "shape": [1, 3]}], "nodes": [{"name": "a", "op": "Relu", "inputs": ["b"]}, {"name": "b", "op": "Relu", "inputs": ["a"]}]}"#,
                    kind: .structure, mentions: "cycle")
        assertError(#"{"format": "narformer-graph", "version": 1, "inputs": [{"name": "x", "shape": [1, 3]}], "nodes": [{"name": "a", "op": "FancyOp", "inputs": ["x"]}]}"#,
                    kind: .shape, mentions: "node 'a' (FancyOp)")
        assertError(#"{"format": "narformer-graph", "version": 1, "inputs": [{"name": "x", "shape": [1, 3]}], "nodes": [{"name": "a", "op": "Relu", "inputs": ["x"], "output_shape": [1, 4]}]}"#,
                    kind: .shape, mentions: "differs from the inferred")
        assertError(#"{"format": "narformer-graph", "version": 1, "inputs": [{"name": "x", "shape": [1, 3]}], "nodes": [{"name": "a", "op": "Relu", "inputs": ["x"], "attributes": {"k": {"nested": 1}}}]}"#,
                    kind: .schema, mentions: "$.nodes[0].attributes.k")
    }

    /// docs/graph.schema.json is the published form of these rules: it must parse and
    /// name the same format, version and top-level fields the reader accepts.
    func testSchemaDocumentMatchesTheReader() throws {
        let url = ImportTestSupport.repoRoot.appendingPathComponent("docs/graph.schema.json")
        let schema = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let properties = try XCTUnwrap(schema["properties"] as? [String: Any])
        XCTAssertEqual(Set(properties.keys), ["format", "version", "name", "cell", "inputs", "initializers", "nodes", "opset"])
        let format = try XCTUnwrap(properties["format"] as? [String: Any])
        XCTAssertEqual(format["const"] as? String, GraphJSONReader.formatName)
        let version = try XCTUnwrap(properties["version"] as? [String: Any])
        XCTAssertEqual(version["const"] as? Int, GraphJSONReader.version)
    }
}
