import Engine
import Foundation
import Glibc
import Store
import XCTest
import Daemon
import Inbox
import Learning
import TestSupport

/// Every prediction of a model with a training summary carries its novelty, in the result
/// file and in the store, the same number in both.
final class ServeNoveltyTests: XCTestCase {
    func testDropsCarryNoveltyInTheResultAndTheStore() async throws {
        var template = Array("/tmp/narformer-novelty-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp", path: "/tmp") }
        let root = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try NarformerStore(path: root + "/store")
        let config = ModelConfig(kind: .latency, inDim: 152, hidden: 8, layers: 1, groups: 2, ffnRatio: 2, fcHidden: 8, staticDim: 40)
        let trained = TrainedModel(model: try NARFormerModel(config: config, seed: 3), targetScale: 1,
                                   metadata: CheckpointMetadata(tokenEncoding: "baseline-152", platform: "lab", trainingDataDigest: "t"))
        let files = try RepositoryData.onnxFiles(12)
        try trained.summarizeTrainingNetworks(files.prefix(9).map { try NetworkImporter.importFile(at: $0).tokens() })
        let url = URL(fileURLWithPath: root + "/latency.safetensors")
        try trained.save(to: url)
        let registry = ModelRegistry()
        try await registry.activateLatency(platform: "lab", version: 0, checkpoint: url)
        let inbox = InboxDescriptor(name: "lab", path: root + "/inbox", platform: "lab", batchSizes: [1])
        let processor = PredictionProcessor(
            store: store, registry: registry, intake: DisabledMeasurementIntake(),
            inboxes: InboxSettingsTable(["lab": InboxSettings(platform: "lab", batchSizes: [1], cellAccuracy: true)]),
            engineBatchSize: 4, logger: LogCollector().logger())
        let drops = try files.suffix(3).map { file in
            ClaimedDrop(inbox: inbox, originalName: DropName(file.lastPathComponent),
                        claimedPath: root + "/inbox/.work/" + file.lastPathComponent, kind: "onnx",
                        contents: try Data(contentsOf: file), identity: FileIdentity(stat()), claimedAt: Date(), retries: 0)
        }
        for outcome in await processor.process(drops) {
            guard case .done(let json, let hash) = outcome else { return XCTFail("\(outcome)") }
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
            let prediction = try XCTUnwrap((object["predictions"] as? [[String: Any]])?.first)
            let novelty = try XCTUnwrap(prediction["novelty"] as? Double, "\(object)")
            XCTAssertTrue(novelty >= 0 && novelty.isFinite)
            let stored = try store.read { try $0.prediction(graphHash: try XCTUnwrap(hash), platform: "lab", batchSize: 1,
                                                            modelVersion: 0, kind: .latencyMs) }
            XCTAssertEqual(try XCTUnwrap(stored?.novelty), novelty, accuracy: 1e-12)
            XCTAssertEqual(stored?.noveltyReason, prediction["novelty_reason"] as? String)
        }
    }
}
