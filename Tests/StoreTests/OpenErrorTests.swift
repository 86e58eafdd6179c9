import Foundation
import XCTest
@testable import Store

/// Whatever sits where the store should be, opening it is one clear error naming the path.
final class OpenErrorTests: XCTestCase {
    private func assertOpenFails(_ path: String, readOnly: Bool = false, mentions words: [String],
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try NarformerStore(path: path, readOnly: readOnly), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(error is StoreError, text, file: file, line: line)
            for word in [path] + words {
                XCTAssertTrue(text.contains(word), "'\(text)' does not mention '\(word)'", file: file, line: line)
            }
        }
    }

    func testATextFileWhereTheDirectoryShouldBe() throws {
        let dir = try TemporaryDirectory()
        let path = dir.child("store")
        try "hello".write(toFile: path, atomically: true, encoding: .utf8)
        assertOpenFails(path, mentions: ["not a narformer store", "is a file"])
        assertOpenFails(path, readOnly: true, mentions: ["is a file"])
    }

    func testACorruptDataFile() throws {
        let dir = try TemporaryDirectory()
        try Sample.blob(5, size: 64 << 10).write(to: URL(fileURLWithPath: dir.child("data.mdb")))
        assertOpenFails(dir.path, mentions: ["not a narformer store", "not an LMDB file"])
        assertOpenFails(dir.path, readOnly: true, mentions: ["not an LMDB file"])
    }

    func testATextDataFile() throws {
        let dir = try TemporaryDirectory()
        try String(repeating: "not a database\n", count: 1000).write(toFile: dir.child("data.mdb"), atomically: true, encoding: .utf8)
        assertOpenFails(dir.path, mentions: ["not an LMDB file"])
    }

    func testAForeignLMDBEnvironment() throws {
        let dir = try TemporaryDirectory()
        do {
            let env = try Environment(path: dir.path, options: EnvironmentOptions(mapSize: 1 << 20, maxDatabases: 4))
            try env.write { txn in
                let other = try XCTUnwrap(try txn.openDatabase("customers", create: true))
                try txn.put(other, key: Array("alice".utf8), value: [1, 2, 3])
            }
        }
        assertOpenFails(dir.path, mentions: ["something else", "no 'meta' table"])
        assertOpenFails(dir.path, readOnly: true, mentions: ["no 'meta' table"])
    }

    func testAMetaTableWithoutSchemaVersion() throws {
        let dir = try TemporaryDirectory()
        do {
            let env = try Environment(path: dir.path, options: EnvironmentOptions(mapSize: 1 << 20, maxDatabases: 4))
            try env.write { txn in _ = try txn.openDatabase(Tables.meta, create: true) }
        }
        assertOpenFails(dir.path, mentions: ["no schema_version"])
    }

    func testANewerSchema() throws {
        let dir = try TemporaryDirectory()
        do {
            let store = try NarformerStore(path: dir.path)
            try store.environment.write { txn in
                let meta = try XCTUnwrap(try txn.openDatabase(Tables.meta))
                try SchemaCheck.write(NarformerStore.schemaVersion + 1, in: txn, meta: meta)
            }
        }
        let expected = StoreError.newerSchema(path: dir.path, found: NarformerStore.schemaVersion + 1,
                                              supported: NarformerStore.schemaVersion)
        for readOnly in [false, true] {
            XCTAssertThrowsError(try NarformerStore(path: dir.path, readOnly: readOnly)) { error in
                XCTAssertEqual(error as? StoreError, expected)
                let newer = NarformerStore.schemaVersion + 1
                XCTAssertTrue("\(error)".contains("schema version \(newer) is newer than this narformer knows (\(newer - 1))"),
                              "\(error)")
            }
        }
    }

    func testAReaderWithoutAStore() throws {
        let dir = try TemporaryDirectory()
        assertOpenFails(dir.child("absent"), readOnly: true, mentions: ["no store exists"])
        assertOpenFails(dir.path, readOnly: true, mentions: ["no store exists"])
    }

    func testACorruptRecordIsAnErrorNotACrash() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        let hash = Sample.hash(1)
        try store.environment.write { txn in
            let graphs = try XCTUnwrap(try txn.openDatabase(Tables.graphs))
            try txn.put(graphs, key: StoreKeys(path: dir.path).graph(hash), value: [1, 0, 0, 0xFF, 0xFF, 1])
        }
        XCTAssertThrowsError(try store.read { try $0.graph(hash: hash) }) {
            XCTAssertTrue("\($0)".contains("corrupt record in table 'graphs'"), "\($0)")
        }
        try store.environment.write { txn in
            let graphs = try XCTUnwrap(try txn.openDatabase(Tables.graphs))
            try txn.put(graphs, key: StoreKeys(path: dir.path).graph(hash), value: [9])
        }
        XCTAssertThrowsError(try store.read { try $0.graph(hash: hash) }) {
            XCTAssertTrue("\($0)".contains("value format 9 is unknown"), "\($0)")
        }
    }
}

/// A write the disk refuses reads as a disk problem, not as an LMDB code.
final class DiskErrorTextTests: XCTestCase {
    func testFullOrFailingDisksAreNamedInPlainWords() {
        for (code, message) in [(ENOSPC, "No space left on device"), (EIO, "Input/output error"), (EDQUOT, "Disk quota exceeded")] {
            let text = StoreError.lmdb(path: "/var/lib/narformer/store", operation: "mdb_txn_commit", code: code,
                                       message: message).description
            XCTAssertTrue(text.contains("the disk holding the store is full or failing"), text)
            XCTAssertTrue(text.contains("/var/lib/narformer/store") && text.contains(message), text)
        }
        let other = StoreError.lmdb(path: "/s", operation: "mdb_get", code: -30798, message: "MDB_NOTFOUND").description
        XCTAssertFalse(other.contains("disk"), other)
    }
}
