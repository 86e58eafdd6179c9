import Foundation
import Store
import TestSupport
import XCTest

/// `narformer suggest`: unmeasured networks of the platform, with reasons, in text, JSON
/// and as a measurement template that stays unusable until the lab fills it in.
final class SuggestCommandTests: XCTestCase {
    func testSuggestionsInEveryFormat() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-suggest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try NarformerStore(path: root.path)
        func hash(_ i: Int) -> String { String(format: "%064x", i) }
        try store.write { writer in
            for i in 0..<4 {
                try writer.putGraph(GraphRecord(hash: hash(i), graph: Data("g\(i)".utf8), sourceFileName: "net\(i).onnx",
                                                nodeCount: 3, kind: .network))
                try writer.putPrediction(Prediction(graphHash: hash(i), platform: "cpu", batchSize: 1, modelVersion: 0,
                                                    kind: .latencyMs, value: Double(i + 1), flops: 1e6 * pow(10, Double(i)),
                                                    params: 1e4, memoryAccess: 1e5, novelty: i == 2 ? 3 : 1,
                                                    noveltyReason: i == 2 ? "far" : nil))
            }
            _ = try writer.putMeasurement(LatencyMeasurement(graphHash: hash(0), platform: "cpu", batchSize: 1, latencyMs: 1,
                                                             source: "lab", measuredAt: Date()))
        }
        let text = try NarformerCommand.run(["suggest", "--store", root.path, "--platform", "cpu", "--count", "2"])
        XCTAssertEqual(text.status, 0, text.output)
        XCTAssertTrue(text.output.hasPrefix("2 of 3 unmeasured networks of cpu (1 measured):"), text.output)
        XCTAssertFalse(text.output.contains("net0.onnx"), "a measured network is not suggested")

        let json = try NarformerCommand.run(["suggest", "--store", root.path, "--platform", "cpu", "--format", "json"],
                                            includeStandardError: false)
        let lines = try json.output.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(lines.map { $0["rank"] as? Int }, [1, 2, 3])
        XCTAssertEqual(Set(lines.compactMap { $0["file"] as? String }), ["net1.onnx", "net2.onnx", "net3.onnx"])
        let far = try XCTUnwrap(lines.first { $0["file"] as? String == "net2.onnx" })
        XCTAssertEqual(far["novelty"] as? Double, 3)
        XCTAssertTrue((far["reason"] as? String)?.hasPrefix("novelty 3.00 (far)") == true, "\(far)")

        let yaml = try NarformerCommand.run(["suggest", "--store", root.path, "--platform", "cpu", "--count", "1",
                                             "--format", "yaml"], includeStandardError: false)
        XCTAssertEqual(yaml.status, 0, yaml.output)
        XCTAssertTrue(yaml.output.contains("measurements:\n"), yaml.output)
        XCTAssertEqual(yaml.output.components(separatedBy: "  - hash: ").count, 2, yaml.output)
        XCTAssertTrue(yaml.output.contains("    platform: cpu\n    batch_size: 1\n    latency_ms:\n"), yaml.output)

        let budget = try NarformerCommand.run(["suggest", "--store", root.path, "--platform", "cpu", "--budget-ms", "2.5",
                                               "--format", "json"], includeStandardError: false)
        let spent = budget.output.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["predicted_latency_ms"] as? Double
        }
        XCTAssertLessThanOrEqual(spent.reduce(0, +), 2.5, budget.output)
        XCTAssertFalse(spent.isEmpty)
    }
}
