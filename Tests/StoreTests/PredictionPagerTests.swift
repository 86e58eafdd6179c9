import Foundation
import Store
import XCTest

final class PredictionPagerTests: XCTestCase {
    func testPagerVisitsEachPredictionOnceAcrossPagesSharingAMillisecond() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        let instant = Date(timeIntervalSince1970: 1_700_000_000)
        let hashes = (0..<7).map { String(repeating: String($0), count: 64) }
        try store.write { writer in
            for (i, hash) in hashes.enumerated() {
                // Five share one millisecond, two are later.
                let time = i < 5 ? instant : instant.addingTimeInterval(Double(i))
                try writer.putPrediction(Prediction(graphHash: hash, platform: "lab", batchSize: 1, modelVersion: 0,
                                                    kind: .latencyMs, value: Double(i), predictedAt: time))
            }
        }
        for pageSize in [1, 2, 3, 10] {
            var seen: [Double] = []
            try PredictionPager(store: store, since: .distantPast, pageSize: pageSize).forEach { seen.append($0.value) }
            XCTAssertEqual(seen.sorted(), (0..<7).map(Double.init), "page size \(pageSize)")
        }
        var later: [Double] = []
        try PredictionPager(store: store, since: instant.addingTimeInterval(1), pageSize: 2).forEach { later.append($0.value) }
        XCTAssertEqual(later, [5, 6])
    }

    func testStampsNameAPlatformsPredictionsInTimeOrder() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        let instant = Date(timeIntervalSince1970: 1_700_000_000)
        try store.write { writer in
            for i in 0..<12 {
                try writer.putPrediction(Prediction(graphHash: String(repeating: String(i % 10), count: 64),
                                                    platform: i % 3 == 0 ? "other" : "lab", batchSize: 1 + i % 2,
                                                    modelVersion: i % 4, kind: i % 5 == 0 ? .accuracy : .latencyMs,
                                                    value: Double(i), predictedAt: instant.addingTimeInterval(Double(12 - i))))
            }
        }
        try store.read { reader in
            let expected = try reader.predictions(since: .distantPast).filter { $0.platform == "lab" && $0.kind == .latencyMs }
            let stamps = try reader.predictionStamps(platform: "lab", kind: .latencyMs)
            XCTAssertEqual(stamps.count, 6)
            XCTAssertEqual(try stamps.map { try XCTUnwrap(reader.prediction($0)) }, expected)
            XCTAssertEqual(stamps.map(\.predictedAtMilliseconds), expected.map { Int64($0.predictedAt.timeIntervalSince1970 * 1000) })
        }
    }
}
