import Engine
import Foundation
import Glibc
import Logging
import Store
import XCTest
import Daemon
import Inbox
import Learning
import TestSupport

/// `PredictionProcessor` in process: packed predictions, idempotent storing, plain-words
/// failures; and the reader helpers (`TimeArgument`, `PredictionPager`).
final class ServeProcessorTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/narformer-serve-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp", path: "/tmp") }
        root = String(cString: made)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func makeProcessor(batchSizes: [Int] = [1, 2], withModel: Bool = true, engineBatchSize: Int = 2,
                               trainedOn: String = "lab", storeName: String = "store")
        async throws -> (PredictionProcessor, NarformerStore) {
        let store = try NarformerStore(path: root + "/" + storeName)
        let registry = ModelRegistry()
        if withModel {
            let model = try NARFormerModel(config: ModelConfig(kind: .latency, inDim: 152, hidden: 8, layers: 1, groups: 2,
                                                               ffnRatio: 2, fcHidden: 8, staticDim: 40), seed: 3)
            let url = URL(fileURLWithPath: root + "/latency.safetensors")
            try Checkpoint.save(model, to: url, metadata: CheckpointMetadata(tokenEncoding: "baseline-152", platform: trainedOn,
                                                                              trainingDataDigest: "test"))
            try await registry.activateLatency(platform: "lab", version: 0, checkpoint: url)
        }
        let settings = InboxSettingsTable(["lab": InboxSettings(platform: "lab", batchSizes: batchSizes, cellAccuracy: true)])
        let processor = PredictionProcessor(store: store, registry: registry, intake: DisabledMeasurementIntake(),
                                            inboxes: settings, engineBatchSize: engineBatchSize, logger: LogCollector().logger())
        return (processor, store)
    }

    private func drop(_ url: URL, as name: String? = nil, claimedAt: Date = Date()) throws -> ClaimedDrop {
        let inbox = InboxDescriptor(name: "lab", path: root + "/inbox", platform: "lab", batchSizes: [1, 2])
        let dropName = name ?? url.lastPathComponent
        let contents = try Data(contentsOf: url)
        return ClaimedDrop(inbox: inbox, originalName: DropName(dropName), claimedPath: root + "/inbox/.work/" + dropName,
                           kind: URL(fileURLWithPath: dropName).pathExtension.lowercased(), contents: contents,
                           identity: FileIdentity(stat()),
                           claimedAt: claimedAt, retries: 0)
    }

    func testABatchIsPredictedPackedAndStoredOnceEvenWhenProcessedAgain() async throws {
        let (processor, store) = try await makeProcessor()
        let files = try RepositoryData.onnxFiles(5)
        let firstSeen = Date(timeIntervalSince1970: 1_700_000_000)
        let drops = try files.map { try drop($0, claimedAt: firstSeen) }
        let outcomes = await processor.process(drops)
        XCTAssertEqual(outcomes.count, 5)
        var hashes: Set<String> = []
        for (outcome, file) in zip(outcomes, files) {
            guard case .done(let json, let hash) = outcome else { return XCTFail("\(file.lastPathComponent): \(outcome)") }
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
            XCTAssertEqual(object["hash"] as? String, hash)
            XCTAssertEqual((object["predictions"] as? [Any])?.count, 2)
            hashes.insert(try XCTUnwrap(hash))
        }
        // A prediction in a batch is the very number the network gets alone (chunks of 2 over 5 graphs).
        let model = try Checkpoint.load(from: URL(fileURLWithPath: root + "/latency.safetensors")).0
        for file in files {
            let alone = try model.predict([NetworkImporter.importFile(at: file, batchSize: 2).tokens()])[0]
            let hash = try NetworkImporter.importFile(at: file).contentHash
            let stored = try store.read { try $0.prediction(graphHash: hash, platform: "lab", batchSize: 2, modelVersion: 0,
                                                            kind: .latencyMs) }
            XCTAssertEqual(try XCTUnwrap(stored).value, Double(alone), file.lastPathComponent)
            // The tokens the prediction read are stored with it (a later model predicts the network again from them).
            let tokens = try MeasuredTokenStore(store: store).tokens(graphHash: hash, batchSize: 2, encoding: .baseline)
            XCTAssertEqual(try model.predict([XCTUnwrap(tokens)])[0], alone, file.lastPathComponent)
        }
        let before = try store.read { try $0.counts() }
        XCTAssertEqual(before.graphs, hashes.count)
        XCTAssertEqual(before.predictions, hashes.count * 2)

        // Processed again after a "crash", later: nothing new, first-seen and prediction times kept.
        let oldPrediction = try store.read { try $0.predictions(ofGraph: hashes.first!) }
        let again = await processor.process(try files.map { try drop($0, as: "again-" + $0.lastPathComponent) })
        XCTAssertTrue(again.allSatisfy { if case .done = $0 { true } else { false } })
        XCTAssertEqual(try store.read { try $0.counts() }, before)
        XCTAssertEqual(try store.read { try $0.predictions(ofGraph: hashes.first!) }, oldPrediction)
        let record = try XCTUnwrap(try store.read { try $0.graph(hash: hashes.first!) })
        XCTAssertEqual(record.firstSeen, firstSeen)
        XCTAssertFalse(record.sourceFileName.hasPrefix("again-"))
    }

    /// The same network dropped twice under two names in one batch, among others: one
    /// prediction, the same number in both results and in the store.
    func testOneNetworkDroppedTwiceInABatchGetsOnePrediction() async throws {
        let (processor, store) = try await makeProcessor(engineBatchSize: 3)
        let files = try RepositoryData.onnxFiles(4)
        let drops = try [drop(files[0]), drop(files[1]), drop(files[0], as: "copy.onnx"), drop(files[2]),
                         drop(files[3]), drop(files[0], as: "third.onnx")]
        let outcomes = await processor.process(drops)
        func latencies(_ outcome: DropOutcome) throws -> [Double] {
            guard case .done(let json, _) = outcome else {
                XCTFail("not done: \(outcome)")
                return []
            }
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
            return try XCTUnwrap(object["predictions"] as? [[String: Any]]).compactMap { $0["latency_ms"] as? Double }
        }
        let first = try latencies(outcomes[0])
        XCTAssertEqual(first.count, 2)
        XCTAssertEqual(try latencies(outcomes[2]), first)
        XCTAssertEqual(try latencies(outcomes[5]), first)
        let hash = try NetworkImporter.importFile(at: files[0]).contentHash
        for (k, batchSize) in [1, 2].enumerated() {
            let stored = try store.read { try $0.prediction(graphHash: hash, platform: "lab", batchSize: batchSize,
                                                            modelVersion: 0, kind: .latencyMs) }
            // The result file's JSON number is the stored value to the last printed digit.
            XCTAssertEqual(try XCTUnwrap(stored).value, first[k], accuracy: 1e-12 * first[k])
        }
    }

    /// The note says whose model predicted, and how far the platform is from a model of its
    /// own: no measurement yet, then measurements but no model; a calibrated model adds none.
    func testPredictionsWithAnotherPlatformsModelSaySoInTheirNotes() async throws {
        let file = try RepositoryData.onnxFiles(1)[0]
        func notes(_ processor: PredictionProcessor, as name: String) async throws -> [String] {
            guard case .done(let json, _) = await processor.process([try drop(file, as: name)])[0] else {
                XCTFail("not done")
                return []
            }
            return try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])["notes"] as? [String] ?? []
        }
        let (calibrated, _) = try await makeProcessor(trainedOn: "lab")
        let calibratedNotes = try await notes(calibrated, as: "a.onnx")
        XCTAssertEqual(calibratedNotes, [])
        let (processor, store) = try await makeProcessor(trainedOn: "cpu-ort-1t", storeName: "other-store")
        let unmeasured = try await notes(processor, as: "b.onnx")
        XCTAssertEqual(unmeasured, ["uncalibrated: predicted with the cpu-ort-1t model; no measurement of lab yet"])
        let hash = try NetworkImporter.importFile(at: file).contentHash
        try store.write { writer in
            _ = try writer.putMeasurement(LatencyMeasurement(graphHash: hash, platform: "lab", batchSize: 1, latencyMs: 5,
                                                             source: "test", measuredAt: Date()))
        }
        let measured = try await notes(processor, as: "c.onnx")
        XCTAssertEqual(measured, ["uncalibrated: predicted with the cpu-ort-1t model; lab has measurements but no model trained from them yet"])
    }

    /// A platform served by another platform's model keeps its networks' tokens in every
    /// encoding (its first retrain may start from a shipped model that reads another); a
    /// platform with its own model keeps the served encoding only.
    func testAnUncalibratedPlatformKeepsEveryTokenEncodingOfItsNetworks() async throws {
        let file = try RepositoryData.onnxFiles(1)[0]
        let hash = try NetworkImporter.importFile(at: file).contentHash
        XCTAssertGreaterThan(ModelTokens.networkEncodings.count, 1)
        for (trainedOn, storeName) in [("lab", "own-store"), ("cpu-ort-1t", "other-store")] {
            let (processor, store) = try await makeProcessor(batchSizes: [1], trainedOn: trainedOn, storeName: storeName)
            guard case .done = await processor.process([try drop(file)])[0] else { return XCTFail("not done") }
            let tokens = MeasuredTokenStore(store: store)
            for encoding in ModelTokens.networkEncodings {
                let kept = try tokens.contains(graphHash: hash, batchSize: 1, encoding: encoding)
                XCTAssertEqual(kept, trainedOn != "lab" || encoding == .baseline,
                               "model of \(trainedOn), encoding \(encoding.storedName)")
            }
        }
    }

    func testWithoutAModelDropsFailWithTheReasonAndBadFilesFailAlone() async throws {
        let (processor, _) = try await makeProcessor(withModel: false)
        let garbage = URL(fileURLWithPath: root + "/garbage.onnx")
        try Data([0xFF, 0x00, 0x13]).write(to: garbage)
        let outcomes = await processor.process([try drop(RepositoryData.onnxFiles(1)[0]), try drop(garbage)])
        guard case .failed(let noModel) = outcomes[0], case .failed(let bad) = outcomes[1] else {
            return XCTFail("\(outcomes)")
        }
        XCTAssertTrue(noModel.contains("no latency model for platform lab"), noModel)
        XCTAssertTrue(bad.contains("garbage.onnx"), bad)
    }
}
