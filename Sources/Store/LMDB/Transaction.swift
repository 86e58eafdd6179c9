import CLMDB
import Foundation

/// One LMDB transaction, alive only inside `Environment.read` or `Environment.write`.
///
/// Not Sendable: a transaction never leaves the thread running its closure. Using it after the
/// closure returned throws `StoreError.transactionFinished` instead of touching freed memory.
public final class Transaction {
    private var handle: OpaquePointer?
    public let environment: Environment
    public let isReadOnly: Bool
    /// Set when a put hit MDB_MAP_FULL, so `write` grows the map even if the caller's closure
    /// wrapped or swallowed that error.
    private(set) var sawMapFull = false

    init(handle: OpaquePointer, environment: Environment, readOnly: Bool) {
        self.handle = handle
        self.environment = environment
        self.isReadOnly = readOnly
    }

    var path: String { environment.path }

    func live() throws -> OpaquePointer {
        guard let handle else { throw StoreError.transactionFinished(path: path) }
        return handle
    }

    func abort() {
        guard let handle else { return }
        self.handle = nil
        mdb_txn_abort(handle)
    }

    func commit() throws {
        let txn = try live()
        handle = nil
        // mdb_txn_commit frees the transaction whether or not it succeeds.
        try StoreError.check(mdb_txn_commit(txn), "mdb_txn_commit", path: path)
    }

    /// Opens (or, in a write transaction with `create`, creates) a named database.
    /// Returns nil when it does not exist and was not created.
    public func openDatabase(_ name: String, create: Bool = false) throws -> Database? {
        let txn = try live()
        var dbi = MDB_dbi()
        let flags: UInt32 = create && !isReadOnly ? UInt32(MDB_CREATE) : 0
        let code = mdb_dbi_open(txn, name, flags, &dbi)
        if code == MDB_NOTFOUND { return nil }
        if code == MDB_INCOMPATIBLE {
            throw StoreError.notAStore(path: path, reason: "'\(name)' exists but is not a table")
        }
        try StoreError.check(code, "mdb_dbi_open(\(name))", path: path)
        return Database(dbi: dbi, name: name)
    }

    /// The number of entries in the unnamed main database (where named databases are listed).
    public func mainDatabaseEntryCount() throws -> Int {
        let txn = try live()
        var dbi = MDB_dbi()
        try StoreError.check(mdb_dbi_open(txn, nil, 0, &dbi), "mdb_dbi_open(main)", path: path)
        return try entryCount(Database(dbi: dbi, name: "(main)"))
    }

    /// The value stored under `key`, or nil.
    public func get(_ database: Database, key: [UInt8]) throws -> [UInt8]? {
        let txn = try live()
        return try key.withUnsafeBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var v = MDB_val()
            let code = mdb_get(txn, database.dbi, &k, &v)
            if code == MDB_NOTFOUND { return nil }
            try StoreError.check(code, "mdb_get(\(database.name))", path: path)
            return v.bytes
        }
    }

    /// Stores `value` under `key`. With `overwrite: false` an existing key is left alone and
    /// the result is false; otherwise the result is true.
    @discardableResult
    public func put(_ database: Database, key: [UInt8], value: [UInt8], overwrite: Bool = true) throws -> Bool {
        let txn = try live()
        guard !isReadOnly else { throw StoreError.readOnly(path: path) }
        let code = key.withUnsafeBytes { keyBytes in
            value.withUnsafeBytes { valueBytes in
                var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var v = MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                return mdb_put(txn, database.dbi, &k, &v, overwrite ? 0 : UInt32(MDB_NOOVERWRITE))
            }
        }
        if code == MDB_KEYEXIST && !overwrite { return false }
        if code == MDB_MAP_FULL { sawMapFull = true }
        try StoreError.check(code, "mdb_put(\(database.name))", path: path)
        return true
    }

    /// Deletes `key`; false when it was not there.
    @discardableResult
    public func delete(_ database: Database, key: [UInt8]) throws -> Bool {
        let txn = try live()
        guard !isReadOnly else { throw StoreError.readOnly(path: path) }
        let code = key.withUnsafeBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            return mdb_del(txn, database.dbi, &k, nil)
        }
        if code == MDB_NOTFOUND { return false }
        if code == MDB_MAP_FULL { sawMapFull = true }
        try StoreError.check(code, "mdb_del(\(database.name))", path: path)
        return true
    }

    /// The number of entries in `database` (mdb_stat).
    public func entryCount(_ database: Database) throws -> Int {
        let txn = try live()
        var stat = MDB_stat()
        try StoreError.check(mdb_stat(txn, database.dbi, &stat), "mdb_stat(\(database.name))", path: path)
        return stat.ms_entries
    }

    /// Runs `body` with a cursor over `database`; the cursor is closed when `body` ends.
    public func withCursor<T>(_ database: Database, _ body: (Cursor) throws -> T) throws -> T {
        let txn = try live()
        var cursor: OpaquePointer?
        try StoreError.check(mdb_cursor_open(txn, database.dbi, &cursor), "mdb_cursor_open(\(database.name))", path: path)
        guard let cursor else {
            throw StoreError.lmdb(path: path, operation: "mdb_cursor_open", code: 0, message: "no cursor returned")
        }
        let wrapper = Cursor(handle: cursor, database: database, path: path)
        defer { wrapper.close() }
        return try body(wrapper)
    }

    /// Visits, in key order, every entry whose key is >= `lower` and < `upper` (no upper bound
    /// when nil). `visit` returns false to stop early.
    public func scan(_ database: Database, from lower: [UInt8], before upper: [UInt8]?,
                     _ visit: (_ key: [UInt8], _ value: [UInt8]) throws -> Bool) throws {
        try withCursor(database) { cursor in
            var entry = try cursor.seek(atOrAfter: lower)
            while let (key, value) = entry {
                if let upper, !key.lexicographicallyPrecedes(upper) { return }
                guard try visit(key, value) else { return }
                entry = try cursor.next()
            }
        }
    }

    /// Visits, in key order, every entry whose key starts with `prefix`.
    public func scan(_ database: Database, prefix: [UInt8],
                     _ visit: (_ key: [UInt8], _ value: [UInt8]) throws -> Bool) throws {
        try scan(database, from: prefix, before: KeyBytes.successor(ofPrefix: prefix), visit)
    }
}

extension MDB_val {
    /// A copy of the bytes; LMDB's memory is only valid until the transaction ends.
    var bytes: [UInt8] {
        guard let data = mv_data, mv_size > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: mv_size))
    }
}
