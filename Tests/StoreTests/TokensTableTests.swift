import Foundation
import XCTest
@testable import Store

/// The `tokens` table: payloads come back as they were put (kept deflated), the first
/// record under a key is kept, damage is an error, and a schema-1 store gets the table.
final class TokensTableTests: XCTestCase {
    private func key(_ index: Int, batch: Int = 1, encoding: String = "baseline-152") -> TokensKey {
        TokensKey(graphHash: Sample.hash(index), batchSize: batch, encoding: encoding)
    }

    /// Mostly zeros with some repeated values, like a token matrix.
    private func payload(_ index: Int, size: Int = 20_000) -> [UInt8] {
        let noise = [UInt8](Sample.blob(index, size: size / 10))
        return (0..<size).map { $0 % 10 == 0 ? noise[$0 / 10] : 0 }
    }

    func testPayloadsRoundTripCompressedAndTheFirstIsKept() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        let first = TokensRecord(key: key(1), payload: payload(1))
        XCTAssertLessThan(first.deflated.count, payload(1).count / 4, "kept deflated")
        let empty = TokensRecord(key: key(2, encoding: "costs-160"), payload: [])
        XCTAssertEqual(try store.write { [try $0.putTokens(first), try $0.putTokens(empty)] }, [true, true])
        XCTAssertFalse(try store.write { try $0.putTokens(TokensRecord(key: self.key(1), payload: self.payload(9))) },
                       "a second put under the same key keeps the first")
        try store.read { reader in
            XCTAssertEqual(try reader.tokens(key(1)), payload(1))
            XCTAssertEqual(try reader.tokens(key(2, encoding: "costs-160")), [])
            XCTAssertNil(try reader.tokens(key(1, batch: 2)))
            XCTAssertNil(try reader.tokens(key(1, encoding: "costs-160")))
            XCTAssertTrue(try reader.containsTokens(key(1)))
            XCTAssertFalse(try reader.containsTokens(key(1, encoding: "baseline")), "a name's prefix is another name")
            XCTAssertTrue(try reader.containsTokens(graphHash: Sample.hash(2), batchSize: 1), "any encoding")
            XCTAssertFalse(try reader.containsTokens(graphHash: Sample.hash(2), batchSize: 2))
            XCTAssertFalse(try reader.containsTokens(graphHash: Sample.hash(3), batchSize: 1))
        }
    }

    func testADamagedValueIsAnErrorNamingTheTable() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        let record = TokensRecord(key: key(1), payload: payload(1))
        try store.write { writer in _ = try writer.putTokens(record) }
        let stored = try XCTUnwrap(try store.environment.read { txn in
            try txn.get(XCTUnwrap(try txn.openDatabase(Tables.tokens)), key: StoreKeys(path: dir.path).tokens(key(1)))
        })
        var flipped = stored
        flipped[flipped.count / 2] ^= 0x10
        for damaged in [flipped, Array(stored.prefix(stored.count - 7)), Array(stored.prefix(3)), [2] + stored.dropFirst()] {
            try store.environment.write { txn in
                _ = try txn.put(XCTUnwrap(try txn.openDatabase(Tables.tokens)), key: StoreKeys(path: dir.path).tokens(key(1)),
                                value: damaged)
            }
            XCTAssertThrowsError(try store.read { try $0.tokens(self.key(1)) }) { error in
                guard case .corruptRecord(_, let table, _) = error as? StoreError else { return XCTFail("\(error)") }
                XCTAssertEqual(table, "tokens")
            }
        }
    }

    /// A store of schema version 1 (no `tokens` table): a reader finds no tokens, a writer
    /// adds the table and records version 2, and what was stored before stays.
    func testASchemaOneStoreIsUpgradedByAWriter() throws {
        let dir = try TemporaryDirectory()
        try Sample.olderStore(version: 1, at: dir.path) { txn, tables in
            XCTAssertNil(tables.tokens)
            try StoreWriter(txn: txn, tables: tables).putGraph(Sample.graph(1))
        }
        // One environment of a path per process at a time (LMDB's rule), hence the scopes.
        do {
            let reader = try NarformerStore(path: dir.path, readOnly: true)
            try reader.read { r in
                XCTAssertEqual(try r.schemaVersion(), 1)
                XCTAssertNil(try r.tokens(key(1)))
                XCTAssertFalse(try r.containsTokens(graphHash: Sample.hash(1), batchSize: 1))
            }
        }
        let writer = try NarformerStore(path: dir.path)
        XCTAssertTrue(try writer.write { try $0.putTokens(TokensRecord(key: self.key(1), payload: self.payload(1))) })
        try writer.read { r in
            XCTAssertEqual(try r.schemaVersion(), NarformerStore.schemaVersion)
            XCTAssertNotNil(try r.graph(hash: Sample.hash(1)))
        }
    }
}
