import Foundation

/// Walks records ordered by a time in pages of one read transaction each, so that a
/// reader of a large store neither holds one snapshot open for long nor loads everything
/// at once (`PredictionPager`, `MeasurementPager`).
///
/// Pages continue from the last page's time. Several records can share a millisecond, so
/// the keys already seen at the page edge are remembered and skipped on the next page.
struct TimeOrderedPages<Record> {
    let since: Date
    let pageSize: Int
    /// At most `limit` records at or after a time, oldest first, from one read transaction.
    let fetch: (_ from: Date, _ limit: Int) throws -> [Record]
    let time: (Record) -> Date
    /// What tells two records of the same millisecond apart.
    let key: (Record) -> String

    func forEach(_ body: (Record) throws -> Void) throws {
        var from = since
        var seenAtEdge: Set<String> = []
        while true {
            let limit = pageSize + seenAtEdge.count
            let page = try fetch(from, limit)
            let edge = Self.milliseconds(from)
            for record in page where !(Self.milliseconds(time(record)) == edge && seenAtEdge.contains(key(record))) {
                try body(record)
            }
            guard page.count == limit, let last = page.last else { return }
            let lastMilliseconds = Self.milliseconds(time(last))
            if lastMilliseconds != edge { seenAtEdge = [] }
            for record in page where Self.milliseconds(time(record)) == lastMilliseconds {
                seenAtEdge.insert(key(record))
            }
            from = time(last)
        }
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }
}
