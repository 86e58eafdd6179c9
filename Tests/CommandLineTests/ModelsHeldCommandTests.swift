import Foundation
import Store
import TestSupport
import XCTest

/// `narformer models list` says why a held version waits; `models promote` makes it serve.
final class ModelsHeldCommandTests: XCTestCase {
    /// A fresh folder with a `models` folder and a config of one platform, `cpu`.
    private static func workspace() throws -> (root: URL, configFile: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("models"), withIntermediateDirectories: true)
        let configFile = root.appendingPathComponent("narformer.yaml").path
        try """
            store: { path: ./store }
            models: { directory: ./models }
            platforms: [{ name: cpu }]
            """.write(toFile: configFile, atomically: true, encoding: .utf8)
        return (root, configFile)
    }

    func testAHeldVersionIsListedWithItsReasonAndPromotedByHand() throws {
        let (root, configFile) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let weights = root.appendingPathComponent("models/cpu-v1.safetensors").path
        try Data("weights".utf8).write(to: URL(fileURLWithPath: weights))
        do {
            let store = try NarformerStore(path: root.appendingPathComponent("store").path)
            try store.write { writer in
                try writer.putModel(ModelRecord(platform: "cpu", version: 1,
                                                metrics: ["mape": 7.5, "scale_ratio": 1013, "compared_version": 0],
                                                state: .held, trainingSetSize: 160, baseVersion: nil, weightsPath: weights,
                                                weightsSHA256: try ModelRecord.sha256(ofFileAt: weights)))
            }
        }
        let list = try NarformerCommand.run(["models", "list", "--config", configFile])
        XCTAssertEqual(list.status, 0, list.output)
        XCTAssertTrue(list.output.contains("held"), list.output)
        XCTAssertTrue(list.output.contains("cpu v1 is held for a person: its latency scale is 1013x the default model's"),
                      list.output)
        XCTAssertTrue(list.output.contains("narformer models promote v1 --platform cpu"), list.output)

        let promote = try NarformerCommand.run(["models", "promote", "v1", "--config", configFile])
        XCTAssertEqual(promote.status, 0, promote.output)
        let after = try NarformerCommand.run(["models", "list", "--config", configFile, "--json"])
        XCTAssertTrue(after.output.contains("\"state\":\"active\"") || after.output.contains("\"state\" : \"active\""),
                      after.output)
        XCTAssertFalse(after.output.contains("held"), after.output)
    }

    /// Rejected versions whose weights were removed to bound the disk are named, and
    /// promoting one says why it cannot be.
    func testVersionsWithoutWeightsAreNamedAndCannotBePromoted() throws {
        let (root, configFile) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        do {
            let store = try NarformerStore(path: root.appendingPathComponent("store").path)
            try store.write { writer in
                for version in [1, 2, 3, 5] {
                    try writer.putModel(ModelRecord(platform: "cpu", version: version, metrics: ["mape": 9], state: .rejected,
                                                    trainingSetSize: 10, baseVersion: nil,
                                                    weightsPath: root.appendingPathComponent("models/cpu-v\(version).safetensors").path,
                                                    weightsSHA256: String(repeating: "0", count: 64),
                                                    weightsRemoved: Date(timeIntervalSince1970: 1_800_000_000)))
                }
            }
        }
        let list = try NarformerCommand.run(["models", "list", "--config", configFile])
        XCTAssertEqual(list.status, 0, list.output)
        XCTAssertTrue(list.output.contains("note: cpu: 4 rejected versions (v1-v3, v5) keep the record only; "
                                           + "the weights were removed (retraining.keep_rejected)"), list.output)
        let promote = try NarformerCommand.run(["models", "promote", "v2", "--config", configFile])
        XCTAssertEqual(promote.status, 1, promote.output)
        XCTAssertTrue(promote.output.contains("v2 cannot be promoted"), promote.output)
        XCTAssertTrue(promote.output.contains("only the newest rejected versions keep their weights"), promote.output)
    }
}
