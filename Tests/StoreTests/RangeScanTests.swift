import Foundation
import XCTest
@testable import Store

final class RangeScanTests: XCTestCase {
    func testPredictionsOfOneGraphAreItsOwnInKeyOrder() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        let graphs = (0..<5).map(Sample.hash)
        let target = graphs[2]
        var expected: [Prediction] = []
        try store.write { w in
            // Inserted in scrambled order; platforms "gpu" and "gpu2" share a prefix on purpose.
            for platform in ["gpu2", "cpu", "gpu"] {
                for version in [300, 2, 17] {
                    for graph in graphs.reversed() {
                        let p = Prediction(graphHash: graph, platform: platform, batchSize: 4, modelVersion: version,
                                           kind: .latencyMs, value: Double(version), predictedAt: Sample.base)
                        try w.putPrediction(p)
                        if graph == target { expected.append(p) }
                    }
                }
            }
        }
        expected.sort { ($0.platform, $0.modelVersion) < ($1.platform, $1.modelVersion) }
        XCTAssertEqual(try store.read { try $0.predictions(ofGraph: target) }, expected)
        XCTAssertEqual(try store.read { try $0.predictions(ofGraph: Sample.hash(99)) }, [])
    }

    func testPredictionsSinceIncludeTheBoundaryAndFollowTime() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        // Times before 1970 as well, so the sign-flipped encoding is exercised.
        let offsets: [Double] = [50, -20, 0, 10, 0.001, -0.001, 30]
        let predictions = offsets.enumerated().map { index, offset in
            Prediction(graphHash: Sample.hash(index), platform: "cpu", batchSize: 1, modelVersion: 1,
                       kind: .latencyMs, value: offset, predictedAt: Date(timeIntervalSince1970: offset))
        }
        try store.write { try $0.putPredictions(predictions) }
        let byTime = predictions.sorted { $0.predictedAt < $1.predictedAt }
        try store.read { r in
            XCTAssertEqual(try r.predictions(since: .distantPast), byTime)
            XCTAssertEqual(try r.predictions(since: Date(timeIntervalSince1970: 0)).map(\.value), [0, 0.001, 10, 30, 50])
            XCTAssertEqual(try r.predictions(since: Date(timeIntervalSince1970: 10)).map(\.value), [10, 30, 50])
            XCTAssertEqual(try r.predictions(since: Date(timeIntervalSince1970: 10.001)).map(\.value), [30, 50])
            XCTAssertEqual(try r.predictions(since: Date(timeIntervalSince1970: 50.001)), [])
            XCTAssertEqual(try r.predictions(since: .distantPast, limit: 2).map(\.value), [-20, -0.001])
        }
    }

    func testReplacingAPredictionMovesItInTheTimeIndex() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        var p = Prediction(graphHash: Sample.hash(1), platform: "cpu", batchSize: 1, modelVersion: 1,
                           kind: .latencyMs, value: 1, predictedAt: Sample.base)
        try store.write { try $0.putPrediction(p) }
        p.value = 2
        p.predictedAt = Sample.base.addingTimeInterval(60)
        try store.write { try $0.putPrediction(p) }
        try store.read { r in
            XCTAssertEqual(try r.predictions(since: .distantPast), [p])
            XCTAssertEqual(try r.predictions(since: Sample.base.addingTimeInterval(1)), [p])
            XCTAssertEqual(try r.counts().predictions, 1)
        }
    }

    func testMeasurementsOfAPlatformSinceFollowStoredTime() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        let t0 = Sample.base
        try store.write { w in
            for index in (0..<20).reversed() {
                // Stored-at runs backwards against the index, so stored order differs from id order.
                try w.putMeasurement(Sample.measurement(index, platform: "gpu", storedAt: t0.addingTimeInterval(Double(20 - index))))
                try w.putMeasurement(Sample.measurement(index, platform: "gpu2", storedAt: t0.addingTimeInterval(Double(index))))
                try w.putMeasurement(Sample.measurement(index, platform: "gp", storedAt: t0))
            }
        }
        try store.read { r in
            let all = try r.measurements(platform: "gpu")
            XCTAssertEqual(all.count, 20)
            XCTAssertEqual(all.map(\.storedAt), all.map(\.storedAt).sorted())
            XCTAssertTrue(all.allSatisfy { $0.platform == "gpu" })
            let since = try r.measurements(platform: "gpu", since: t0.addingTimeInterval(15))
            XCTAssertEqual(since.map(\.storedAt), (15...20).map { t0.addingTimeInterval(Double($0)) })
            XCTAssertEqual(try r.measurementCount(platform: "gpu", since: t0.addingTimeInterval(15)), 6)
            XCTAssertEqual(try r.measurementCount(platform: "gpu", since: t0.addingTimeInterval(20.001)), 0)
            XCTAssertEqual(try r.measurementCount(platform: "gpu2", since: t0.addingTimeInterval(19)), 1)
            XCTAssertEqual(try r.measurementCount(platform: "gp"), 20)
            XCTAssertEqual(try r.measurements(platform: "gpu", limit: 3).count, 3)
            XCTAssertEqual(try r.measurements(platform: "tpu"), [])
        }
    }

    func testKeyBytesOrderIsLogicalOrder() {
        var keys: [([UInt8], (Int64, String))] = []
        for time in [Int64.min, -5, -1, 0, 1, 255, 256, Int64.max] {
            for name in ["", "a", "ab", "b"] {
                var key = KeyBytes(path: "test")
                key.append(ordered: time)
                try? key.append(string: name, what: "name")
                keys.append((key.bytes, (time, name)))
            }
        }
        let byBytes = keys.sorted { $0.0.lexicographicallyPrecedes($1.0) }.map(\.1)
        let byValue = keys.map(\.1).sorted { $0 < $1 }
        XCTAssertEqual(byBytes.map(\.0), byValue.map(\.0))
        XCTAssertEqual(byBytes.map(\.1), byValue.map(\.1))
        XCTAssertEqual(KeyBytes.successor(ofPrefix: [1, 0xFF]), [2])
        XCTAssertNil(KeyBytes.successor(ofPrefix: [0xFF, 0xFF]))
    }
}
