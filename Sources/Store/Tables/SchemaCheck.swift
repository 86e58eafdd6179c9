/// Reads, writes and judges the schema version kept in `meta` under "schema_version" as a raw
/// big-endian UInt32 (no format byte: it is what tells a reader which formats to expect).
enum SchemaCheck {
    static let key = "schema_version"

    static func version(in txn: Transaction, meta: Database) throws -> UInt32? {
        guard let bytes = try txn.get(meta, key: Array(key.utf8)) else { return nil }
        guard bytes.count == 4 else {
            throw StoreError.notAStore(path: txn.path, reason: "meta.schema_version is \(bytes.count) bytes, not 4")
        }
        return bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func write(_ version: UInt32, in txn: Transaction, meta: Database) throws {
        var key = KeyBytes(path: txn.path)
        key.append(version)
        try txn.put(meta, key: Array(Self.key.utf8), value: key.bytes)
    }

    /// Opens the tables of an existing store, or creates them when `txn` may write and the
    /// environment is empty. Anything else (foreign data, no schema, a newer schema) is an error.
    /// A writer upgrades an older store in place, in the same transaction: version 1 gets the
    /// `tokens` table (its readers find the tokens of earlier versions in the `tokens/` folder
    /// until the learning side converts them, see `MeasuredTokenStore`); versions 1 and 2 get
    /// the `measurements_by_graph` index, filled from the measurements already stored.
    static func openTables(in txn: Transaction, supported: UInt32) throws -> Tables {
        guard let meta = try txn.openDatabase(Tables.meta, create: false) else {
            guard try txn.mainDatabaseEntryCount() == 0 else {
                throw StoreError.notAStore(path: txn.path, reason: "an LMDB environment of something else (no 'meta' table)")
            }
            guard !txn.isReadOnly else {
                throw StoreError.notAStore(path: txn.path, reason: "an empty LMDB environment (no narformer tables yet)")
            }
            let tables = try Tables(in: txn, schema: supported, creating: Set(Tables.all))
            try write(supported, in: txn, meta: tables.meta)
            return tables
        }
        guard let found = try version(in: txn, meta: meta) else {
            throw StoreError.notAStore(path: txn.path, reason: "its 'meta' table has no schema_version")
        }
        guard found <= supported else {
            throw StoreError.newerSchema(path: txn.path, found: found, supported: supported)
        }
        guard found >= 1 else {
            throw StoreError.notAStore(path: txn.path, reason: "schema_version \(found) was never written by narformer")
        }
        guard found < supported, !txn.isReadOnly else {
            return try Tables(in: txn, schema: found)
        }
        let tables = try Tables(in: txn, schema: found, creating: Tables.introduced(after: found))
        if found < 3 { try indexMeasurementsByGraph(in: txn, tables: tables) }
        try write(supported, in: txn, meta: tables.meta)
        return tables
    }

    /// Fills the `measurements_by_graph` index from the `measurements` table, a batch of
    /// `batch` measurements at a time: the scan's cursor is closed before the index is
    /// written, and a store of many measurements is not held in memory all at once.
    static func indexMeasurementsByGraph(in txn: Transaction, tables: Tables, batch: Int = 4096) throws {
        let writer = StoreWriter(txn: txn, tables: tables)
        var next: [UInt8] = []
        while true {
            var measurements: [LatencyMeasurement] = []
            var last: [UInt8]?
            try txn.scan(tables.measurements, from: next, before: nil) { key, value in
                measurements.append(try writer.codec.decode(LatencyMeasurement.self, from: value, table: Tables.measurements))
                last = key
                return measurements.count < batch
            }
            for measurement in measurements { try writer.indexByGraph(measurement) }
            // The smallest key after the last one read: the same bytes and one more.
            guard let last, measurements.count == batch else { return }
            next = last + [0]
        }
    }
}
