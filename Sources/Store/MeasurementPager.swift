import Foundation

/// Walks the measurements of one platform stored at or after a time, in the order they
/// were stored, in pages of one read transaction each (`TimeOrderedPages`): an export of
/// a large store's measurements stays bounded in memory.
public struct MeasurementPager {
    public let store: NarformerStore
    public let platform: String
    public let since: Date
    public let pageSize: Int

    public init(store: NarformerStore, platform: String, since: Date, pageSize: Int) {
        self.store = store
        self.platform = platform
        self.since = since
        self.pageSize = pageSize
    }

    public func forEach(_ body: (LatencyMeasurement) throws -> Void) throws {
        try TimeOrderedPages(
            since: since, pageSize: pageSize,
            fetch: { from, limit in try store.read { try $0.measurements(platform: platform, since: from, limit: limit) } },
            time: \.storedAt, key: \.id
        ).forEach(body)
    }
}
