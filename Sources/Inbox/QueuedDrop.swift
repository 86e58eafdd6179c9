import Foundation

/// One drop on its way through the pipeline: still in the inbox or already in `.work/`,
/// possibly with a decision that is made but not yet filed (when `done/`/`failed/` could
/// not be written).
package struct QueuedDrop: Sendable {
    package struct Key: Hashable, Sendable {
        package var inbox: Int
        package var name: DropName
        package var claimed: Bool
    }

    /// A decision waiting to be filed away (kept so a move that failed is retried without
    /// processing the file again).
    package struct PendingFiling: Sendable {
        package var destination: DropClaimer.Destination
        package var sidecar: Data
        package var outcome: String
        package var hash: String?
        package var reason: String?
    }

    package var inbox: Int
    package var name: DropName
    /// Already renamed into `.work/`.
    package var claimed: Bool
    /// When it was first seen, for the per-file log line's `ms`.
    package var seenAt: ContinuousClock.Instant = .now
    /// Times the processor answered `.retryLater`.
    package var processorRetries = 0
    /// Consecutive failures to claim, read or file it (drives the backoff).
    package var failures = 0
    package var pendingFiling: PendingFiling?

    package var key: Key { Key(inbox: inbox, name: name, claimed: claimed) }
}
