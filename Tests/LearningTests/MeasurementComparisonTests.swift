import Foundation
import Engine
import Store
import XCTest
import Inbox
import Learning
import TestSupport

/// The measurement result note compares each measured network with the model serving its
/// platform; identical records are one measurement; a cell on a whole-network model is
/// stored with the reason it has no prediction.
final class MeasurementComparisonTests: XCTestCase {
    /// A small whole-network latency model (baseline tokens) trained "on" `trainedOn`,
    /// serving platform cpu.
    private func registry(_ space: LearningWorkspace, trainedOn: String) async throws -> (ModelRegistry, URL) {
        let model = try NARFormerModel(config: ModelConfig(kind: .latency, inDim: 152, hidden: 8, layers: 1, groups: 2,
                                                           ffnRatio: 2, fcHidden: 8, staticDim: 40), seed: 5)
        let url = URL(fileURLWithPath: space.modelsPath + "/latency.safetensors")
        try Checkpoint.save(model, to: url, metadata: CheckpointMetadata(tokenEncoding: "baseline-152", platform: trainedOn,
                                                                          trainingDataDigest: "test"))
        let registry = ModelRegistry()
        try await registry.activateLatency(platform: "cpu", version: 0, checkpoint: url)
        return (registry, url)
    }

    private func processor(_ space: LearningWorkspace, registry: ModelRegistry, chunk: Int = 2) -> MeasurementDropProcessor {
        MeasurementDropProcessor(store: space.store, platforms: ["cpu", "gpu"], measurementTimeouts: [:],
                                 tokens: space.tokens, registry: registry, predictionChunk: chunk)
    }

    private func note(_ outcome: DropOutcome) throws -> [String: Any] {
        guard case .done(let json, _) = outcome else {
            XCTFail("not done: \(outcome)")
            return [:]
        }
        return try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
    }

    func testEachMeasuredNetworkIsComparedWithTheServingModelAndThePredictionIsStored() async throws {
        let space = try LearningWorkspace()
        let (registry, url) = try await registry(space, trainedOn: "cpu-ort-1t")
        let numbers = RepositoryData.alexnetNumbers(3)
        var yaml = "measurements:\n"
        for (k, number) in numbers.enumerated() {
            try FileManager.default.copyItem(atPath: RepositoryData.alexnet(number).path,
                                             toPath: space.inbox.path + "/done/n\(k).onnx")
            yaml += "  - { network: n\(k).onnx, batch_size: 1, latency_ms: \(10 + k) }\n"
        }
        let result = try note(await processor(space, registry: registry).process([space.claimed("m.yaml", yaml)])[0])
        let records = try XCTUnwrap(result["measurements"] as? [[String: Any]])
        XCTAssertEqual(records.count, 3)
        let model = try Checkpoint.load(from: url).0
        var errors: [Double] = []
        for (k, record) in records.enumerated() {
            // The number the model gives the network alone, as the daemon would predict it.
            let alone = try model.predict([NetworkImporter.importFile(at: RepositoryData.alexnet(numbers[k])).tokens()])[0]
            let predicted = try XCTUnwrap(record["predicted_latency_ms"] as? Double, "\(record)")
            XCTAssertEqual(predicted, Double(alone), accuracy: 1e-6 * abs(predicted))
            XCTAssertEqual(record["model_version"] as? Int, 0)
            let error = try XCTUnwrap(record["relative_error"] as? Double)
            XCTAssertEqual(error, (predicted - Double(10 + k)) / Double(10 + k), accuracy: 1e-12)
            errors.append(abs(error))
            // Stored, so that `query` shows it beside the measurement.
            let hash = try XCTUnwrap(record["graph_hash"] as? String)
            let stored = try space.store.read { try $0.prediction(graphHash: hash, platform: "cpu", batchSize: 1,
                                                                  modelVersion: 0, kind: .latencyMs) }
            XCTAssertEqual(try XCTUnwrap(stored).value, predicted, accuracy: 1e-9 * abs(predicted))
        }
        XCTAssertEqual(result["compared"] as? Int, 3)
        XCTAssertEqual(try XCTUnwrap(result["mape"] as? Double), 100 * errors.reduce(0, +) / 3, accuracy: 1e-9)
        XCTAssertEqual(result["notes"] as? [String],
                       ["uncalibrated: predicted with the cpu-ort-1t model; cpu has measurements but no model trained from them yet"])

        // A stored prediction of the serving version is used as it is, not made again.
        let hash = try XCTUnwrap(records[0]["graph_hash"] as? String)
        try space.store.write { writer in
            try writer.putPrediction(Prediction(graphHash: hash, platform: "cpu", batchSize: 1, modelVersion: 0,
                                                kind: .latencyMs, value: 20))
        }
        let again = try note(await processor(space, registry: registry)
            .process([space.claimed("again.yaml", "measurements:\n  - { network: n0.onnx, batch_size: 1, latency_ms: 16 }\n")])[0])
        let record = try XCTUnwrap((again["measurements"] as? [[String: Any]])?.first)
        XCTAssertEqual(record["predicted_latency_ms"] as? Double, 20)
        XCTAssertEqual(record["relative_error"] as? Double, 0.25)
    }

    func testACalibratedModelAddsNoNoteAndWithoutAModelTheFileIsStoredWithTheReason() async throws {
        let space = try LearningWorkspace()
        let (registry, _) = try await registry(space, trainedOn: "cpu")
        try FileManager.default.copyItem(atPath: RepositoryData.alexnet(RepositoryData.alexnetNumbers(1)[0]).path,
                                         toPath: space.inbox.path + "/done/n.onnx")
        let yaml = "measurements:\n  - { network: n.onnx, batch_size: 1, latency_ms: 9 }\n"
            + "  - { network: n.onnx, platform: gpu, batch_size: 1, latency_ms: 3 }\n"
        let processor = MeasurementDropProcessor(store: space.store, platforms: ["cpu", "gpu"], measurementTimeouts: [:],
                                                 measurementPlatforms: [space.inbox.name: ["cpu", "gpu"]],
                                                 tokens: space.tokens, registry: registry)
        let result = try note(await processor.process([space.claimed("m.yaml", yaml)])[0])
        XCTAssertEqual(result["notes"] as? [String], [])
        let records = try XCTUnwrap(result["measurements"] as? [[String: Any]])
        XCTAssertNotNil(records[0]["predicted_latency_ms"])
        XCTAssertEqual(records[1]["no_prediction"] as? String, "there is no latency model for platform gpu")
        XCTAssertEqual(result["new"] as? Int, 2, "comparing never keeps a measurement out")
        XCTAssertEqual(result["compared"] as? Int, 1)
    }

    /// Ten identical records: one measurement (one training sample), the nine others named
    /// as repeats of the first; a cell on a whole-network model is stored, and says why it
    /// has no prediction.
    func testTenIdenticalRecordsAreOneMeasurementAndACellOnANetworkModelIsKept() async throws {
        let space = try LearningWorkspace()
        let (registry, _) = try await registry(space, trainedOn: "cpu-ort-1t")
        let cell = try XCTUnwrap(SyntheticCells.cells(1).first)
        let record = "  - { cell: \"\(cell.arch)\", batch_size: 1, latency_ms: \(cell.latency), measured_at: 2026-11-28T10:00:00Z }\n"
        let yaml = "measurements:\n" + String(repeating: record, count: 10)
        let result = try note(await processor(space, registry: registry).process([space.claimed("ten.yaml", yaml)])[0])
        XCTAssertEqual(result["new"] as? Int, 1)
        XCTAssertEqual(result["repeats"] as? Int, 9)
        XCTAssertEqual(result["already_stored"] as? Int, 0)
        let records = try XCTUnwrap(result["measurements"] as? [[String: Any]])
        XCTAssertEqual(records.map { $0["stored"] as? String },
                       ["new"] + Array(repeating: "repeat of line 2", count: 9))
        XCTAssertEqual(Set(records.compactMap { $0["id"] as? String }).count, 1)
        XCTAssertEqual(try space.measurementCount(), 1)
        XCTAssertEqual(records[0]["no_prediction"] as? String,
                       "the latency model of cpu reads whole networks, not NAS-Bench-201 cells")
        XCTAssertEqual(result["compared"] as? Int, 0)
        XCTAssertNil(result["mape"])

        // The same ten again: nothing new, still one measurement.
        let again = try note(await processor(space, registry: registry).process([space.claimed("ten-1.yaml", yaml)])[0])
        XCTAssertEqual(again["already_stored"] as? Int, 1)
        XCTAssertEqual(again["repeats"] as? Int, 9)
        XCTAssertEqual(try space.measurementCount(), 1)
        let stored = try space.store.read { try $0.measurements(platform: "cpu") }
        XCTAssertEqual(stored.first?.file, "ten.yaml", "the file it first arrived in")
    }
}
