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
                                                kind: .latencyMs, value: 12.5, flops: 4e9, params: 1.2e6, memoryAccess: 3e7,
                                                novelty: 2.5, noveltyReason: "op types none of its training networks had: Einsum"))
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
        XCTAssertEqual(latency["novelty"] as? Double, 2.5)
        XCTAssertEqual(latency["novelty_reason"] as? String, "op types none of its training networks had: Einsum")
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

    /// `export --kind measurements` lines and `query --json` measurements follow their
    /// schemas, each measurement beside the prediction it is compared with.
    func testMeasurementExportFollowsItsSchemaBesideThePrediction() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try NarformerStore(path: root.path)
        let hash = String(repeating: "ef", count: 32)
        let dated = LatencyMeasurement(graphHash: hash, platform: "cpu", batchSize: 4, latencyMs: 10, source: "lab, bench 2",
                                       measuredAt: Date(timeIntervalSince1970: 1_790_000_000), file: "m.yaml")
        let undated = LatencyMeasurement(graphHash: hash, platform: "gpu", batchSize: 1, latencyMs: 2, source: "inbox lab",
                                         measuredAt: Date(timeIntervalSince1970: 0))
        try store.write { writer in
            try writer.putGraph(GraphRecord(hash: hash, graph: Data("g".utf8), sourceFileName: "net.onnx", nodeCount: 3,
                                            kind: .network))
            try writer.putPrediction(Prediction(graphHash: hash, platform: "cpu", batchSize: 4, modelVersion: 0,
                                                kind: .latencyMs, value: 12.5))
            _ = try writer.putMeasurement(dated)
            _ = try writer.putMeasurement(undated)
        }
        let schemaURL = RepositoryData.root.appendingPathComponent("docs/export-measurements.schema.json")
        let schema = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: schemaURL)) as? [String: Any])
        let jsonl = try NarformerCommand.run(["export", "--store", root.path, "--kind", "measurements"],
                                             includeStandardError: false)
        XCTAssertEqual(jsonl.status, 0, jsonl.output)
        let rows = try jsonl.output.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            XCTAssertEqual(SchemaCheck.problems(object, against: schema), [], String(line))
            return try XCTUnwrap(object as? [String: Any])
        }
        XCTAssertEqual(rows.map { $0["platform"] as? String }, ["cpu", "gpu"])
        XCTAssertEqual(rows[0]["id"] as? String, dated.id)
        XCTAssertEqual(rows[0]["file"] as? String, "m.yaml")
        XCTAssertEqual(rows[0]["network_file"] as? String, "net.onnx")
        XCTAssertEqual(rows[0]["predicted_latency_ms"] as? Double, 12.5)
        XCTAssertEqual(rows[0]["relative_error"] as? Double, 0.25)
        XCTAssertNotNil(rows[0]["measured_at"])
        XCTAssertNil(rows[1]["measured_at"], "an unknown measuring time is left out, not written as 1970")
        XCTAssertNil(rows[1]["predicted_latency_ms"], "no prediction on gpu at batch 1")

        let csv = try NarformerCommand.run(["export", "--store", root.path, "--kind", "measurements", "--format", "csv",
                                            "--platform", "cpu"], includeStandardError: false)
        XCTAssertEqual(csv.status, 0, csv.output)
        let lines = csv.output.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, csv.output)
        let properties = try XCTUnwrap(schema["properties"] as? [String: Any])
        XCTAssertEqual(Set(lines[0].split(separator: ",").map(String.init)), Set(properties.keys))
        XCTAssertTrue(lines[1].contains("\"lab, bench 2\""), "a source with a comma is quoted: \(csv.output)")

        let querySchemaURL = RepositoryData.root.appendingPathComponent("docs/query.schema.json")
        let querySchema = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: querySchemaURL)) as? [String: Any])
        let query = try NarformerCommand.run(["query", hash, "--store", root.path, "--json"], includeStandardError: false)
        XCTAssertEqual(query.status, 0, query.output)
        let answer = try JSONSerialization.jsonObject(with: Data(query.output.utf8))
        XCTAssertEqual(SchemaCheck.problems(answer, against: querySchema), [], query.output)
        XCTAssertEqual(((answer as? [String: Any])?["measurements"] as? [Any])?.count, 2, query.output)
        let text = try NarformerCommand.run(["query", hash, "--store", root.path], includeStandardError: false)
        XCTAssertTrue(text.output.contains("measurements  2"), text.output)
        XCTAssertTrue(text.output.contains("predicted 12.5000 ms by v0 (+25.0%)"), text.output)
        XCTAssertTrue(text.output.contains("measured at an unknown time"), text.output)
    }
}
