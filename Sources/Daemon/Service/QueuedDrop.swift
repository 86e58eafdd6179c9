import Foundation

/// One drop on its way through the pipeline: still in the inbox or already in `.work/`,
/// possibly with a decision that is made but not yet filed (when `done/`/`failed/` could
/// not be written).
struct QueuedDrop: Sendable {
    struct Key: Hashable, Sendable {
        var inbox: Int
        var name: DropName
        var claimed: Bool
    }

    /// A decision waiting to be filed away (kept so a move that failed is retried without
    /// processing the file again).
    struct PendingFiling: Sendable {
        var destination: DropClaimer.Destination
        var sidecar: Data
        var outcome: String
        var hash: String?
        var reason: String?
    }

    var inbox: Int
    var name: DropName
    /// Already renamed into `.work/`.
    var claimed: Bool
    /// When it was first seen, for the per-file log line's `ms`.
    var seenAt: ContinuousClock.Instant = .now
    /// Times the processor answered `.retryLater`.
    var processorRetries = 0
    /// Consecutive failures to claim, read or file it (drives the backoff).
    var failures = 0
    var pendingFiling: PendingFiling?

    var key: Key { Key(inbox: inbox, name: name, claimed: claimed) }
}
