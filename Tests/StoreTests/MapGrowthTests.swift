import Foundation
import XCTest
@testable import Store

final class MapGrowthTests: XCTestCase {
    func testTinyMapGrowsInsteadOfFailing() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path, mapSize: 64 << 10)
        let initial = store.environment.mapSize
        let blobSize = 32 << 10

        // One 2 MiB transaction against a 64 KiB map: aborted, grown and re-run until it fits.
        var runs = 0
        let inserted = try store.write { w in
            runs += 1
            var inserted = 0
            for index in 1000..<1064 where try w.putGraph(Sample.graph(index, size: blobSize)) { inserted += 1 }
            return inserted
        }
        XCTAssertGreaterThan(runs, 1)
        XCTAssertEqual(inserted, 64)

        // Then 6 MiB more in many small transactions, several of which overflow the map again.
        for batch in 0..<24 {
            try store.write { w in
                for index in batch * 8..<(batch + 1) * 8 { try w.putGraph(Sample.graph(index, size: blobSize)) }
            }
        }
        XCTAssertGreaterThanOrEqual(store.environment.mapSize, 8 << 20)
        XCTAssertGreaterThan(store.environment.mapSize, initial)
        try store.read { r in
            XCTAssertEqual(try r.counts().graphs, 24 * 8 + 64)
            for index in Array(0..<192) + Array(1000..<1064) {
                XCTAssertEqual(try r.graph(hash: Sample.hash(index))?.graph, Sample.blob(index, size: blobSize))
            }
        }
    }
}
