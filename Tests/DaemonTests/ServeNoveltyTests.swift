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
        let lab = try await Lab(trainedOn: 9)
        defer { lab.remove() }
        for outcome in await lab.processor.process(try lab.drops(lab.files.suffix(3))) {
            guard case .done(let json, let hash) = outcome else { return XCTFail("\(outcome)") }
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
            let prediction = try XCTUnwrap((object["predictions"] as? [[String: Any]])?.first)
            let novelty = try XCTUnwrap(prediction["novelty"] as? Double, "\(object)")
            XCTAssertTrue(novelty >= 0 && novelty.isFinite)
            let stored = try lab.store.read { try $0.prediction(graphHash: try XCTUnwrap(hash), platform: "lab", batchSize: 1,
                                                                modelVersion: 0, kind: .latencyMs) }
            XCTAssertEqual(try XCTUnwrap(stored?.novelty), novelty, accuracy: 1e-12)
            XCTAssertEqual(stored?.noveltyReason, prediction["novelty_reason"] as? String)
        }
    }

    /// An exporter's `Identity` nodes are folded away before the model reads the network, so
    /// the result does not name them as ops the prediction could not see.
    func testTheResultNamesOnlyOpsTheModelCannotReadAfterFolding() async throws {
        let lab = try await Lab(trainedOn: 9)
        defer { lab.remove() }
        // The second ResNet of the repository's data: the TorchScript exporter's Identity nodes.
        let resnet = try XCTUnwrap(try RepositoryData.onnxFiles(16).last)
        XCTAssertTrue(resnet.path.contains("/resnet/"), resnet.path)
        XCTAssertGreaterThan(try NetworkImporter.importFile(at: resnet).unknownOps["Identity"] ?? 0, 0)
        let outcomes = await lab.processor.process(try lab.drops([resnet]))
        guard case .done(let json, _) = try XCTUnwrap(outcomes.first) else {
            return XCTFail("not done")
        }
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(object["unknown_ops"] as? [String: Int]), [:], "\(object)")
    }

    /// A latency model with a training summary, serving one inbox of platform `lab`.
    private struct Lab {
        let root: String
        let store: NarformerStore
        let processor: PredictionProcessor
        let inbox: InboxDescriptor
        let files: [URL]

        init(trainedOn count: Int) async throws {
            var template = Array("/tmp/narformer-novelty-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp", path: "/tmp") }
            root = String(cString: made)
            store = try NarformerStore(path: root + "/store")
            let config = ModelConfig(kind: .latency, inDim: 152, hidden: 8, layers: 1, groups: 2, ffnRatio: 2, fcHidden: 8, staticDim: 40)
            let trained = TrainedModel(model: try NARFormerModel(config: config, seed: 3), targetScale: 1,
                                       metadata: CheckpointMetadata(tokenEncoding: "baseline-152", platform: "lab", trainingDataDigest: "t"))
            files = try RepositoryData.onnxFiles(count + 3)
            try trained.summarizeTrainingNetworks(files.prefix(count).map { try NetworkImporter.importFile(at: $0).tokens() })
            let url = URL(fileURLWithPath: root + "/latency.safetensors")
            try trained.save(to: url)
            let registry = ModelRegistry()
            try await registry.activateLatency(platform: "lab", version: 0, checkpoint: url)
            inbox = InboxDescriptor(name: "lab", path: root + "/inbox", platform: "lab", batchSizes: [1])
            processor = PredictionProcessor(
                store: store, registry: registry, intake: DisabledMeasurementIntake(),
                inboxes: InboxSettingsTable(["lab": InboxSettings(platform: "lab", batchSizes: [1], cellAccuracy: true)]),
                engineBatchSize: 4, logger: LogCollector().logger())
        }

        func drops(_ files: some Sequence<URL>) throws -> [ClaimedDrop] {
            try files.map { file in
                ClaimedDrop(inbox: inbox, originalName: DropName(file.lastPathComponent),
                            claimedPath: root + "/inbox/.work/" + file.lastPathComponent, kind: "onnx",
                            contents: try Data(contentsOf: file), identity: FileIdentity(stat()), claimedAt: Date(), retries: 0)
            }
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }
}
