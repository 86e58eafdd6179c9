import Foundation

/// Walks "predictions since T" in pages of one read transaction each, so an export of a
/// large store neither holds one snapshot open for long nor loads everything at once.
///
/// Pages continue from the last page's time. Several predictions can share a millisecond,
/// so the keys already seen at the page edge are remembered and skipped on the next page.
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
        var from = since
        var seenAtEdge: Set<String> = []
        while true {
            let limit = pageSize + seenAtEdge.count
            let page = try store.read { try $0.predictions(since: from, limit: limit) }
            let edge = Self.milliseconds(from)
            for prediction in page where !(Self.milliseconds(prediction.predictedAt) == edge
                                           && seenAtEdge.contains(Self.key(prediction))) {
                try body(prediction)
            }
            guard page.count == limit, let last = page.last else { return }
            let lastMilliseconds = Self.milliseconds(last.predictedAt)
            if lastMilliseconds != edge { seenAtEdge = [] }
            for prediction in page where Self.milliseconds(prediction.predictedAt) == lastMilliseconds {
                seenAtEdge.insert(Self.key(prediction))
            }
            from = last.predictedAt
        }
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    private static func key(_ p: Prediction) -> String {
        "\(p.graphHash)|\(p.platform)|\(p.batchSize)|\(p.modelVersion)|\(p.kind.rawValue)"
    }
}
