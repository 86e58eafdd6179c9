import Foundation
import Store
import TestSupport
import XCTest

/// What a nightly pipeline reads: every `export` line validates against the documented
/// schema (docs/export.schema.json), and the CSV header names the same fields in order.
final class ExportSchemaTests: XCTestCase {
    func testExportLinesFollowTheDocumentedSchemaAndCSVUsesItsNames() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try NarformerStore(path: root.path)
        let hash = String(repeating: "ab", count: 32), cellHash = String(repeating: "cd", count: 32)
        try store.write { writer in
            try writer.putGraph(GraphRecord(hash: hash, graph: Data("g".utf8), sourceFileName: "net, v1.onnx", nodeCount: 3,
                                            kind: .network))
            try writer.putGraph(GraphRecord(hash: hash, graph: Data("g".utf8), sourceFileName: "again.onnx", nodeCount: 3,
                                            kind: .network))
            try writer.putGraph(GraphRecord(hash: cellHash, graph: Data("c".utf8), sourceFileName: "cell.json", nodeCount: 8,
                                            kind: .cell))
            try writer.putPrediction(Prediction(graphHash: hash, platform: "cpu", batchSize: 4, modelVersion: 0,
                                                kind: .latencyMs, value: 12.5, flops: 4e9, params: 1.2e6, memoryAccess: 3e7))
            try writer.putPrediction(Prediction(graphHash: cellHash, platform: "cpu", batchSize: 1, modelVersion: 0,
                                                kind: .accuracy, value: 91.2))
            _ = try writer.putMeasurement(LatencyMeasurement(graphHash: hash, platform: "cpu", batchSize: 4, latencyMs: 13.1,
                                                             source: "lab", measuredAt: Date()))
        }
        let schemaURL = RepositoryData.root.appendingPathComponent("docs/export.schema.json")
        let schema = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: schemaURL)) as? [String: Any])

        let jsonl = try NarformerCommand.run(["export", "--store", root.path], includeStandardError: false)
        XCTAssertEqual(jsonl.status, 0, jsonl.output)
        let lines = jsonl.output.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, jsonl.output)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            XCTAssertEqual(SchemaCheck.problems(object, against: schema), [], String(line))
        }
        let latency = try XCTUnwrap(lines.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.first { $0["kind"] as? String == "latency_ms" })
        XCTAssertEqual(latency["file"] as? String, "net, v1.onnx")
        XCTAssertEqual(latency["other_files"] as? [String], ["again.onnx"])
        XCTAssertEqual(latency["measured_latency_ms"] as? Double, 13.1)
        XCTAssertEqual(latency["flops"] as? Double, 4e9)
        XCTAssertFalse(jsonl.output.contains("\\/"), "slashes are not escaped")

        let csv = try NarformerCommand.run(["export", "--store", root.path, "--format", "csv"], includeStandardError: false)
        XCTAssertEqual(csv.status, 0, csv.output)
        let header = csv.output.split(separator: "\n").first.map(String.init) ?? ""
        let properties = try XCTUnwrap(schema["properties"] as? [String: Any])
        XCTAssertEqual(Set(header.split(separator: ",").map(String.init)), Set(properties.keys), header)
        XCTAssertTrue(csv.output.contains("\"net, v1.onnx\""), "a file name with a comma is quoted: \(csv.output)")

        let querySchemaURL = RepositoryData.root.appendingPathComponent("docs/query.schema.json")
        let querySchema = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: querySchemaURL)) as? [String: Any])
        let query = try NarformerCommand.run(["query", hash, "--store", root.path, "--json"], includeStandardError: false)
        XCTAssertEqual(query.status, 0, query.output)
        XCTAssertEqual(SchemaCheck.problems(try JSONSerialization.jsonObject(with: Data(query.output.utf8)), against: querySchema),
                       [], query.output)
    }
}
