import CLMDB

/// A position in a database, valid only inside `Transaction.withCursor`.
public final class Cursor {
    private var handle: OpaquePointer?
    public let database: Database
    private let path: String

    init(handle: OpaquePointer, database: Database, path: String) {
        self.handle = handle
        self.database = database
        self.path = path
    }

    func close() {
        guard let handle else { return }
        self.handle = nil
        mdb_cursor_close(handle)
    }

    /// The first entry, or nil when the database is empty.
    public func first() throws -> (key: [UInt8], value: [UInt8])? {
        try move(MDB_FIRST, key: nil)
    }

    /// The last entry, or nil when the database is empty.
    public func last() throws -> (key: [UInt8], value: [UInt8])? {
        try move(MDB_LAST, key: nil)
    }

    /// The entry after the current one, or nil at the end.
    public func next() throws -> (key: [UInt8], value: [UInt8])? {
        try move(MDB_NEXT, key: nil)
    }

    /// The entry before the current one, or nil at the start.
    public func previous() throws -> (key: [UInt8], value: [UInt8])? {
        try move(MDB_PREV, key: nil)
    }

    /// The first entry whose key is >= `key`, or nil when there is none.
    public func seek(atOrAfter key: [UInt8]) throws -> (key: [UInt8], value: [UInt8])? {
        if key.isEmpty { return try first() }
        return try move(MDB_SET_RANGE, key: key)
    }

    private func move(_ operation: MDB_cursor_op, key: [UInt8]?) throws -> (key: [UInt8], value: [UInt8])? {
        guard let handle else { throw StoreError.transactionFinished(path: path) }
        var k = MDB_val()
        var v = MDB_val()
        let code: Int32
        if let key {
            code = key.withUnsafeBytes { keyBytes in
                k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                return mdb_cursor_get(handle, &k, &v, operation)
            }
        } else {
            code = mdb_cursor_get(handle, &k, &v, operation)
        }
        if code == MDB_NOTFOUND { return nil }
        try StoreError.check(code, "mdb_cursor_get(\(database.name))", path: path)
        return (k.bytes, v.bytes)
    }
}
