import Foundation

/// Walks "predictions since T" in pages of one read transaction each (`TimeOrderedPages`),
/// so an export of a large store neither holds one snapshot open for long nor loads
/// everything at once.
public struct PredictionPager {
    public let store: NarformerStore
    public let since: Date
    public let pageSize: Int

    public init(store: NarformerStore, since: Date, pageSize: Int) {
        self.store = store
        self.since = since
        self.pageSize = pageSize
    }

    public func forEach(_ body: (Prediction) throws -> Void) throws {
        try TimeOrderedPages(
            since: since, pageSize: pageSize,
            fetch: { from, limit in try store.read { try $0.predictions(since: from, limit: limit) } },
            time: \.predictedAt,
            key: { "\($0.graphHash)|\($0.platform)|\($0.batchSize)|\($0.modelVersion)|\($0.kind.rawValue)" }
        ).forEach(body)
    }
}
