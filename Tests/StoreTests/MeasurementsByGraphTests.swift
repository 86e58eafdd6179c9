import Foundation
import XCTest
@testable import Store

/// `measurements(ofGraph:)` (what `narformer query` shows): a keyed lookup in the
/// `measurements_by_graph` index, kept in the transaction that stores the measurement; an
/// older store is read whole until a writer adds and fills the index.
final class MeasurementsByGraphTests: XCTestCase {
    /// Measurements of graphs 0-5 on two platforms; graph 1 has three.
    private func measurements() -> [LatencyMeasurement] {
        (0..<6).map { Sample.measurement($0) } + [Sample.measurement(1, platform: "cpu")]
            + [LatencyMeasurement(graphHash: Sample.hash(1), platform: "cpu", batchSize: 1, latencyMs: 9, source: "again",
                                  measuredAt: Sample.base, storedAt: Sample.base)]
    }

    private func expected(_ index: Int) -> [LatencyMeasurement] {
        measurements().filter { $0.graphHash == Sample.hash(index) }
            .sorted { ($0.platform, $0.batchSize, $0.measuredAt) < ($1.platform, $1.batchSize, $1.measuredAt) }
    }

    func testAGraphsMeasurementsAreLookedUpByItsHash() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        try store.write { w in for m in measurements() { try w.putMeasurement(m) } }
        // The same measurement again changes nothing, in the index either.
        try store.write { w in XCTAssertFalse(try w.putMeasurement(self.measurements()[0])) }
        try store.read { r in
            XCTAssertNotNil(try r.measurementsByGraphTable())
            XCTAssertEqual(try r.measurements(ofGraph: Sample.hash(1)), expected(1))
            XCTAssertEqual(try r.measurements(ofGraph: Sample.hash(1)).count, 3)
            XCTAssertEqual(try r.measurements(ofGraph: Sample.hash(0).uppercased()), expected(0))
            XCTAssertEqual(try r.measurements(ofGraph: Sample.hash(99)), [])
        }
    }

    /// A store of schema version 2 (no index): a reader reads its measurements table whole,
    /// a writer adds the index, fills it from what is stored and records version 3.
    func testAVersionTwoStoreIsIndexedByAWriter() throws {
        let dir = try TemporaryDirectory()
        try Sample.olderStore(version: 2, at: dir.path) { txn, tables in
            XCTAssertNil(tables.measurementsByGraph)
            // What a version-2 writer stored of a measurement that matters here: the record.
            let keys = StoreKeys(path: txn.path), codec = ValueCodec(path: txn.path)
            for m in measurements() {
                try txn.put(tables.measurements, key: keys.measurement(id: m.id), value: codec.encode(m))
            }
        }
        // One environment of a path per process at a time (LMDB's rule), hence the scopes.
        do {
            let reader = try NarformerStore(path: dir.path, readOnly: true)
            try reader.read { r in
                XCTAssertEqual(try r.schemaVersion(), 2)
                XCTAssertNil(try r.measurementsByGraphTable())
                XCTAssertEqual(try r.measurements(ofGraph: Sample.hash(1)), expected(1))
            }
        }
        let writer = try NarformerStore(path: dir.path)
        try writer.read { r in
            XCTAssertEqual(try r.schemaVersion(), NarformerStore.schemaVersion)
            XCTAssertNotNil(try r.measurementsByGraphTable())
            for index in 0..<6 { XCTAssertEqual(try r.measurements(ofGraph: Sample.hash(index)), expected(index)) }
        }
        XCTAssertTrue(try writer.write { try $0.putMeasurement(Sample.measurement(2, platform: "cpu")) })
        XCTAssertEqual(try writer.read { try $0.measurements(ofGraph: Sample.hash(2)) }.count, 2)
    }

    /// The upgrade fills the index a batch at a time: every measurement indexed whether the
    /// count is a multiple of the batch or not, none twice.
    func testTheIndexIsFilledInBatches() throws {
        for (count, batch) in [(8, 3), (6, 3), (8, 1), (8, 100)] {
            let dir = try TemporaryDirectory()
            let stored = Array(measurements().prefix(count))
            try Sample.olderStore(version: NarformerStore.schemaVersion, at: dir.path) { txn, tables in
                let keys = StoreKeys(path: txn.path), codec = ValueCodec(path: txn.path)
                for m in stored { try txn.put(tables.measurements, key: keys.measurement(id: m.id), value: codec.encode(m)) }
                try SchemaCheck.indexMeasurementsByGraph(in: txn, tables: tables, batch: batch)
            }
            let store = try NarformerStore(path: dir.path, readOnly: true)
            try store.read { r in
                for index in 0..<6 {
                    let want = stored.filter { $0.graphHash == Sample.hash(index) }
                    XCTAssertEqual(Set(try r.measurements(ofGraph: Sample.hash(index)).map(\.id)), Set(want.map(\.id)),
                                   "\(count) measurements in batches of \(batch), graph \(index)")
                    XCTAssertEqual(try r.measurements(ofGraph: Sample.hash(index)).count, want.count)
                }
            }
        }
    }
}

