import Config
import Engine
import Foundation
import Learning
import Store
import TestSupport
import XCTest

/// The one rule for models that cannot be used: what serves keeps serving; a platform with
/// nothing serving gets the default model.
final class ModelReconcilerTests: XCTestCase {
    private func saveModel(_ space: LearningWorkspace, _ name: String, seed: UInt64) throws -> URL {
        let model = try NARFormerModel(config: ModelConfig(kind: .latency, inDim: 152, hidden: 16, layers: 1, groups: 2,
                                                           ffnRatio: 2, fcHidden: 16, staticDim: 40), seed: seed)
        let url = URL(fileURLWithPath: space.modelsPath).appendingPathComponent(name)
        try Checkpoint.save(model, to: url, metadata: CheckpointMetadata(tokenEncoding: "baseline-152", platform: "cpu",
                                                                          trainingDataDigest: "test"))
        return url
    }

    private func record(_ url: URL, version: Int, state: ModelState, damaged: Bool = false) throws -> ModelRecord {
        ModelRecord(platform: "cpu", version: version, metrics: [:], state: state, trainingSetSize: 1, baseVersion: nil,
                    weightsPath: url.path,
                    weightsSHA256: damaged ? String(repeating: "0", count: 64) : try ModelRecord.sha256(ofFileAt: url.path))
    }

    func testDamagedActiveModelKeepsWhatServesAndFallsBackToTheDefaultAtStart() async throws {
        let space = try LearningWorkspace()
        let defaultModel = try saveModel(space, "default.safetensors", seed: 1)
        let v1 = try saveModel(space, "cpu-v1.safetensors", seed: 2)
        let v2 = try saveModel(space, "cpu-v2.safetensors", seed: 3)
        let models = ModelsConfig(directory: space.modelsPath, defaultLatency: defaultModel.path)
        let registry = ModelRegistry()
        let logs = LogCollector()
        let reconciler = ModelReconciler(store: space.store, registry: registry,
                                         locator: DefaultModelLocator(environment: [:]), logger: logs.logger())

        try space.store.write { try $0.putModel(record(v1, version: 1, state: .active)) }
        var report = await reconciler.reconcile(platforms: ["cpu"], models: models, pass: .start)
        XCTAssertEqual(report.changes.first, "cpu: now predicting with v1")
        var serving = await registry.latencyEntry(platform: "cpu")
        XCTAssertEqual(serving?.version, 1)

        // v2 becomes active but its weights do not match: v1 keeps serving, said once.
        try space.store.write { writer in
            try writer.putModel(record(v1, version: 1, state: .retired))
            try writer.putModel(record(v2, version: 2, state: .active, damaged: true))
        }
        report = await reconciler.reconcile(platforms: ["cpu"], models: models, pass: .poll)
        XCTAssertEqual(report.changes, [])
        XCTAssertEqual(report.problems.count, 1)
        XCTAssertTrue(report.problems[0].contains("still predicting with v1"), report.problems[0])
        serving = await registry.latencyEntry(platform: "cpu")
        XCTAssertEqual(serving?.version, 1)
        _ = await reconciler.reconcile(platforms: ["cpu"], models: models, pass: .poll)
        XCTAssertEqual(logs.all.filter { $0.contains("still predicting with v1") }.count, 1, "a poll logs a problem once")

        // A fresh start with the same store: nothing serves yet, so the default model does.
        let fresh = ModelRegistry()
        let restarted = ModelReconciler(store: space.store, registry: fresh, locator: DefaultModelLocator(environment: [:]),
                                        logger: logs.logger())
        report = await restarted.reconcile(platforms: ["cpu"], models: models, pass: .start)
        XCTAssertTrue(report.problems.first?.contains("predicting with the default model") == true, "\(report)")
        serving = await fresh.latencyEntry(platform: "cpu")
        XCTAssertEqual(serving?.version, 0)
        XCTAssertEqual(serving?.checkpoint.path, defaultModel.path)
    }
}
