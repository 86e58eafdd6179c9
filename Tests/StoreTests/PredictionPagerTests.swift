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
}
