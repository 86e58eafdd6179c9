/// Entries per table (from mdb_stat), for status output.
public struct StoreCounts: Codable, Sendable, Equatable {
    public var graphs: Int
    public var predictions: Int
    public var measurements: Int
    public var models: Int
    public var meta: Int
}
