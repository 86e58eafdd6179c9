import Foundation

/// The narformer store: graphs, predictions, measurements, model versions and meta in one
/// LMDB environment. One writer process (the daemon) and any number of reader processes.
///
/// ```swift
/// let store = try NarformerStore(path: "/var/lib/narformer/store")
/// try store.write { w in try w.putMeasurement(m) }
/// let recent = try store.read { r in try r.measurements(platform: "gpu", since: t) }
/// ```
public final class NarformerStore: Sendable {
    /// The schema this code reads and writes; see docs/store.md.
    public static let schemaVersion: UInt32 = 3

    public let path: String
    public let environment: Environment
    private let tables: Tables

    /// Opens the store at `path` (a directory), creating it when it does not exist unless
    /// `readOnly`. `mapSize` is the initial map; a writer doubles it whenever it fills.
    public init(path: String, mapSize: Int = 64 << 20, readOnly: Bool = false, maxReaders: UInt32 = 126) throws {
        self.path = path
        environment = try Environment(path: path, options: EnvironmentOptions(
            mapSize: mapSize, maxReaders: maxReaders, maxDatabases: UInt32(Tables.all.count + 1), readOnly: readOnly))
        let open = { (txn: Transaction) in try SchemaCheck.openTables(in: txn, supported: Self.schemaVersion) }
        tables = readOnly ? try environment.read(open) : try environment.write(open)
    }

    public var isReadOnly: Bool { environment.isReadOnly }

    /// Runs `body` on a consistent snapshot.
    public func read<T>(_ body: (StoreReader) throws -> T) throws -> T {
        try environment.read { txn in try body(StoreReader(txn: txn, tables: tables)) }
    }

    /// Runs `body` in one write transaction: committed when it returns, aborted when it throws.
    /// `body` may run more than once (after the map grew), so it must only change the store.
    public func write<T>(_ body: (StoreWriter) throws -> T) throws -> T {
        try environment.write { txn in try body(StoreWriter(txn: txn, tables: tables)) }
    }
}
