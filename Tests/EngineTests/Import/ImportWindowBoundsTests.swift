import Foundation
import XCTest
@testable import Engine

/// Strides, dilations and pads beyond what a node's input allows are refused, naming the
/// node, instead of being clamped into a shape (also when the file states an output shape).
final class ImportWindowBoundsTests: XCTestCase {
    private func graph(input: [Int] = [1, 3, 32, 32], weight: [Int] = [8, 3, 3, 3], op: String = "Conv",
                       attributes: String, outputShape: String? = nil) -> String {
        let stated = outputShape.map { #", "output_shape": \#($0)"# } ?? ""
        return """
        {"format": "narformer-graph", "version": 1, "name": "bounds",
         "inputs": [{"name": "x", "shape": \(input)}],
         "initializers": [{"name": "w", "shape": \(weight)}],
         "nodes": [{"name": "window", "op": "\(op)", "inputs": ["x", "w"], "attributes": {\(attributes)}\(stated)}]}
        """
    }

    private func importJSON(_ text: String) throws -> ImportedNetwork {
        try NetworkImporter.importData(Data(text.utf8), format: .graphJSON, name: "drop.json", batchSize: nil)
    }

    private func assertRefused(_ text: String, mentions words: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try importJSON(text), file: file, line: line) { error in
            guard let e = error as? ImportError else { return XCTFail("not an ImportError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .shape, "\(e)", file: file, line: line)
            for word in ["drop.json, node 'window'", "beyond what the input allows"] + words {
                XCTAssertTrue(e.description.contains(word), "'\(e)' does not mention '\(word)'", file: file, line: line)
            }
        }
    }

    func testHugeStridesDilationsAndPadsAreRefusedNamingTheNode() {
        assertRefused(graph(attributes: #""kernel_shape": [3, 3], "strides": [1e308, 1e308]"#), mentions: ["stride"])
        assertRefused(graph(attributes: #""kernel_shape": [3, 3], "strides": [2, 1e308]"#), mentions: ["strides"])
        assertRefused(graph(attributes: #""kernel_shape": [3, 3], "strides": [2, 1000000]"#),
                      mentions: ["stride 1000000 along spatial axis 2", "input size (32)"])
        assertRefused(graph(attributes: #""kernel_shape": [3, 3], "dilations": [1e9, 1e9], "pads": [1e9, 1e9, 1e9, 1e9]"#),
                      mentions: ["dilation", "pad"])
        assertRefused(graph(attributes: #""kernel_shape": [3, 3], "pads": [1, 1, 1, 100000]"#), mentions: ["pad 100000"])
        assertRefused(graph(attributes: #""kernel_shape": [3, 3], "pads": [-1, 0, 0, 0]"#), mentions: ["pad -1"])
        assertRefused(graph(op: "MaxPool", attributes: #""kernel_shape": [2, 2], "strides": [1e308, 1e308]"#),
                      mentions: ["stride"])
        assertRefused(graph(weight: [3, 8, 2, 2], op: "ConvTranspose", attributes: #""strides": [1e308, 1e308]"#),
                      mentions: ["stride"])
        // A stated output shape does not stand in for an impossible node.
        assertRefused(graph(attributes: #""kernel_shape": [3, 3], "strides": [1e308, 1e308]"#, outputShape: "[1, 8, 1, 1]"),
                      mentions: ["stride"])
    }

    func testRealWindowsStillImport() throws {
        // A stride as large as twice the input (a 1x1 map downsampled), a dilation wider
        // than the map with its padding (atrous rates), a patch embedding, an FCN upsampler.
        let cases: [(String, [Int], [Int], String, [Int])] = [
            ("Conv", [1, 3, 1, 1], [8, 3, 1, 1], #""kernel_shape": [1, 1], "strides": [2, 2]"#, [1, 8, 1, 1]),
            ("Conv", [1, 3, 14, 14], [8, 3, 3, 3], #""kernel_shape": [3, 3], "dilations": [18, 18], "pads": [18, 18, 18, 18]"#,
             [1, 8, 14, 14]),
            ("Conv", [1, 3, 224, 224], [8, 3, 16, 16], #""kernel_shape": [16, 16], "strides": [16, 16]"#, [1, 8, 14, 14]),
            ("ConvTranspose", [1, 3, 7, 7], [3, 8, 64, 64], #""strides": [32, 32], "pads": [16, 16, 16, 16]"#, [1, 8, 224, 224]),
        ]
        for (op, input, weight, attributes, expected) in cases {
            let net = try importJSON(graph(input: input, weight: weight, op: op, attributes: attributes))
            XCTAssertEqual(net.graph.nodes.last?.outputShape, expected, attributes)
        }
    }
}
