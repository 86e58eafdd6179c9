import Engine
import Foundation
import Glibc
import Store
import XCTest
import Daemon
import Inbox
import Learning
import TestSupport

/// The daemon tokenises a dropped network with the encoding its latency checkpoint names,
/// so a model trained on `costs` tokens is served as it was trained.
final class ServeEncodingTests: XCTestCase {
    func testACostsCheckpointIsServedWithCostsTokens() async throws {
        var template = Array("/tmp/narformer-serve-enc-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp", path: "/tmp") }
        let root = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: root) }

        let config = ModelConfig(kind: .latency, inDim: CostTokenizer.tokenDim, hidden: 8, layers: 1, groups: 2,
                                 ffnRatio: 2, fcHidden: 8, staticDim: CostTokenizer.staticDim, readout: .nodeCost)
        let model = try NARFormerModel(config: config, seed: 3)
        try model.setTensor(named: "readout.bias", values: [-18, -14, -6])
        let url = URL(fileURLWithPath: root + "/latency.safetensors")
        try Checkpoint.save(model, to: url, metadata: CheckpointMetadata(
            tokenEncoding: TokenEncoding.costs.storedName, platform: "lab", trainingDataDigest: "test"))
        let registry = ModelRegistry()
        try await registry.activateLatency(platform: "lab", version: 0, checkpoint: url)
        let store = try NarformerStore(path: root + "/store")
        let settings = InboxSettingsTable(["lab": InboxSettings(platform: "lab", batchSizes: [1], cellAccuracy: true)])
        let processor = PredictionProcessor(store: store, registry: registry, intake: DisabledMeasurementIntake(),
                                            inboxes: settings, engineBatchSize: 2, logger: LogCollector().logger())

        let file = try RepositoryData.onnxFiles(1)[0]
        let inbox = InboxDescriptor(name: "lab", path: root + "/inbox", platform: "lab", batchSizes: [1])
        let drop = ClaimedDrop(inbox: inbox, originalName: DropName(file.lastPathComponent),
                               claimedPath: root + "/inbox/.work/" + file.lastPathComponent, kind: "onnx",
                               contents: try Data(contentsOf: file), identity: FileIdentity(stat()),
                               claimedAt: Date(), retries: 0)
        let outcomes = await processor.process([drop])
        guard case .done(_, let hash) = outcomes[0] else { return XCTFail("\(outcomes[0])") }
        let network = try NetworkImporter.importFile(at: file, batchSize: 1)
        let expected = try model.predict([network.tokens(encoding: .costs)])[0]
        let stored = try store.read { try $0.prediction(graphHash: try XCTUnwrap(hash), platform: "lab", batchSize: 1,
                                                        modelVersion: 0, kind: .latencyMs) }
        XCTAssertEqual(try XCTUnwrap(stored).value, Double(expected), accuracy: 1e-4 * Double(expected))
    }
}
