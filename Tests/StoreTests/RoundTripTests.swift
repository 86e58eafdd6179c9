import Foundation
import XCTest
@testable import Store

final class RoundTripTests: XCTestCase {
    func testEveryTableRoundTripsAndSurvivesReopeningReadOnly() throws {
        let dir = try TemporaryDirectory()
        let graph = Sample.graph(1, size: 5000, kind: .cell)
        let prediction = Prediction(graphHash: graph.hash, platform: "gpu-a100", batchSize: 8, modelVersion: 3,
                                    kind: .latencyMs, value: 12.375, predictedAt: Sample.base)
        let accuracy = Prediction(graphHash: graph.hash, platform: "gpu-a100", batchSize: 8, modelVersion: 3,
                                  kind: .accuracy, value: 0.9125, predictedAt: Sample.base)
        let measurement = Sample.measurement(1)
        let model = ModelRecord(platform: "gpu-a100", version: 1, metrics: ["mape": 0.043, "acc10": 0.91],
                                created: Sample.base, state: .candidate, trainingSetSize: 1200, baseVersion: nil,
                                weightsPath: "/models/gpu-a100/1.bin", weightsSHA256: Sample.hash(99))
        do {
            let store = try NarformerStore(path: dir.path)
            try store.write { w in
                XCTAssertTrue(try w.putGraph(graph))
                try w.putPredictions([prediction, accuracy])
                XCTAssertTrue(try w.putMeasurement(measurement))
                try w.putModel(model)
                try w.setMeta("last_retrain.gpu-a100", "2026-11-29T17:00:00Z")
            }
        }
        let reader = try NarformerStore(path: dir.path, readOnly: true)
        try reader.read { r in
            XCTAssertEqual(try r.graph(hash: graph.hash), graph)
            XCTAssertTrue(try r.containsGraph(hash: graph.hash.uppercased()))
            XCTAssertNil(try r.graph(hash: Sample.hash(2)))
            XCTAssertEqual(try r.prediction(graphHash: graph.hash, platform: "gpu-a100", batchSize: 8,
                                            modelVersion: 3, kind: .latencyMs), prediction)
            XCTAssertEqual(try r.predictions(ofGraph: graph.hash), [accuracy, prediction])
            XCTAssertEqual(try r.measurement(id: measurement.id), measurement)
            XCTAssertEqual(try r.model(platform: "gpu-a100", version: 1), model)
            XCTAssertEqual(try r.meta("last_retrain.gpu-a100"), "2026-11-29T17:00:00Z")
            XCTAssertEqual(try r.allMeta(), ["last_retrain.gpu-a100": "2026-11-29T17:00:00Z"])
            XCTAssertEqual(try r.schemaVersion(), NarformerStore.schemaVersion)
            XCTAssertEqual(try r.counts(), StoreCounts(graphs: 1, predictions: 2, measurements: 1, models: 1, meta: 2))
        }
        XCTAssertThrowsError(try reader.write { w in try w.setMeta("x", "y") }) { error in
            XCTAssertEqual(error as? StoreError, .readOnly(path: dir.path))
        }
    }

    func testGraphPutKeepsTheFirstRecordAndAddsLaterFileNames() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        let first = Sample.graph(1)
        var later = first
        later.sourceFileName = "copy.onnx"
        later.firstSeen = first.firstSeen.addingTimeInterval(100)
        XCTAssertTrue(try store.write { try $0.putGraph(first) })
        XCTAssertFalse(try store.write { try $0.putGraph(later) })
        XCTAssertFalse(try store.write { try $0.putGraph(later) }, "a name is recorded once")
        XCTAssertFalse(try store.write { try $0.putGraph(first) })
        var expected = first
        expected.otherFileNames = ["copy.onnx"]
        XCTAssertEqual(try store.read { try $0.graph(hash: first.hash) }, expected)
    }

    func testWriteThatThrowsLeavesNothing() throws {
        struct Refused: Error {}
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        XCTAssertThrowsError(try store.write { w in
            try w.putGraph(Sample.graph(1))
            try w.putMeasurement(Sample.measurement(1))
            throw Refused()
        }) { XCTAssertTrue($0 is Refused) }
        XCTAssertEqual(try store.read { try $0.counts() }.graphs, 0)
        XCTAssertEqual(try store.read { try $0.counts() }.measurements, 0)
    }

    func testMeasurementPutIsIdempotent() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        let measurement = Sample.measurement(7)
        var restored = measurement
        restored.storedAt = measurement.storedAt.addingTimeInterval(60)   // not part of the id
        var different = measurement
        different.latencyMs += 0.001

        XCTAssertTrue(try store.write { try $0.putMeasurement(measurement) })
        XCTAssertFalse(try store.write { try $0.putMeasurement(measurement) })
        XCTAssertFalse(try store.write { try $0.putMeasurement(restored) })
        XCTAssertTrue(try store.write { try $0.putMeasurement(different) })
        XCTAssertNotEqual(measurement.id, different.id)
        XCTAssertEqual(measurement.id, restored.id)
        try store.read { r in
            XCTAssertEqual(try r.counts().measurements, 2)
            XCTAssertEqual(try r.measurementCount(platform: measurement.platform), 2)
            XCTAssertEqual(try r.measurement(id: measurement.id), measurement)
        }
    }

    func testBadArgumentsAreClearErrors() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        XCTAssertThrowsError(try store.read { try $0.graph(hash: "abc") }) { error in
            XCTAssertTrue("\(error)".contains("'abc' is not a SHA-256 hash"), "\(error)")
            XCTAssertTrue("\(error)".contains(dir.path), "\(error)")
        }
        XCTAssertThrowsError(try store.write { try $0.putMeasurement(Sample.measurement(1, platform: "bad\u{0}name")) }) {
            XCTAssertTrue("\($0)".contains("NUL"), "\($0)")
        }
        XCTAssertThrowsError(try store.write { try $0.setMeta(SchemaCheck.key, "9") })
        XCTAssertThrowsError(try store.write { try $0.setModelState(platform: "cpu", version: 4, to: .active) }) {
            XCTAssertEqual($0 as? StoreError, .modelNotFound(path: dir.path, platform: "cpu", version: 4))
        }
    }

    func testTransactionUsedAfterItsScopeThrows() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        let escaped = try store.environment.read { $0 }
        let table = try XCTUnwrap(try store.environment.read { try $0.openDatabase(Tables.graphs) })
        XCTAssertThrowsError(try escaped.get(table, key: [1])) {
            XCTAssertEqual($0 as? StoreError, .transactionFinished(path: dir.path))
        }
    }

    func testNestedWriteIsAnErrorAndNestedReadSeesTheLastCommit() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        try store.write { try $0.setMeta("k", "committed") }
        try store.write { w in
            try w.setMeta("k", "pending")
            XCTAssertEqual(try store.read { try $0.meta("k") }, "committed")
            XCTAssertThrowsError(try store.write { try $0.setMeta("k", "nested") }) {
                XCTAssertEqual($0 as? StoreError, .nestedWrite(path: dir.path))
            }
        }
        XCTAssertThrowsError(try store.read { _ in try store.write { try $0.setMeta("k", "inside read") } }) {
            XCTAssertEqual($0 as? StoreError, .nestedWrite(path: dir.path))
        }
        XCTAssertEqual(try store.read { try $0.meta("k") }, "pending")
        try store.write { try $0.setMeta("k", "after") }   // the markers were cleared
        XCTAssertEqual(try store.read { try $0.meta("k") }, "after")
    }

    func testWeightsChecksumIsVerified() throws {
        let dir = try TemporaryDirectory()
        let file = dir.child("weights.bin")
        let weights = Sample.blob(3, size: 3 << 20)
        try weights.write(to: URL(fileURLWithPath: file))
        var model = ModelRecord(platform: "cpu", version: 1, metrics: [:], state: .candidate, trainingSetSize: 1,
                                baseVersion: nil, weightsPath: file,
                                weightsSHA256: ContentHash.sha256Hex(of: weights))
        XCTAssertNoThrow(try model.verifyWeights())
        model.weightsSHA256 = Sample.hash(1)
        XCTAssertThrowsError(try model.verifyWeights()) {
            guard case .weightsChecksumMismatch(let path, _, _)? = $0 as? StoreError else { return XCTFail("\($0)") }
            XCTAssertEqual(path, file)
        }
        model.weightsPath = dir.child("missing.bin")
        XCTAssertThrowsError(try model.verifyWeights()) {
            XCTAssertTrue("\($0)".contains("missing.bin"), "\($0)")
        }
    }
}
