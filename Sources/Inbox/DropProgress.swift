import Synchronization

/// When the work on the drops of one processor call last moved. The processor beats it at
/// every phase of an import; the pipeline reads it to tell a long drop that is moving from
/// a stuck one (the watchdog keeps pinging for the first, stops for the second).
package final class DropProgress: Sendable {
    private let state = Mutex((last: ContinuousClock.now, beats: 0))

    package init() {}

    package func beat() {
        state.withLock {
            $0.last = .now
            $0.beats += 1
        }
    }

    package var lastBeat: ContinuousClock.Instant { state.withLock { $0.last } }

    /// Beats so far (each phase of each import reports one).
    package var beats: Int { state.withLock { $0.beats } }
}
