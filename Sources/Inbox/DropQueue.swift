/// The pipeline's to-do list: drops ready now (in arrival order, each at most once) and
/// drops scheduled for later (backoff, held measurements). Fed by the inbox watchers and
/// the pipeline itself; drained only by the pipeline's single processing loop.
package actor DropQueue {
    private var ready: [QueuedDrop] = []
    private var readyKeys: Set<QueuedDrop.Key> = []
    private var scheduled: [(due: ContinuousClock.Instant, drop: QueuedDrop)] = []
    private var waiter: CheckedContinuation<Void, Never>?
    private var timer: Task<Void, Never>?
    private var finished = false

    /// Adds a drop unless the same one is already waiting (an inotify event and a rescan
    /// may both report it).
    package func enqueue(_ drop: QueuedDrop) {
        guard !finished, readyKeys.insert(drop.key).inserted else { return }
        ready.append(drop)
        wake()
    }

    package func schedule(_ drop: QueuedDrop, after delay: Duration) {
        guard !finished else { return }
        scheduled.append((ContinuousClock.now + delay, drop))
        wake()
    }

    /// Drops waiting now plus drops scheduled for later.
    package var depth: Int { ready.count + scheduled.count }

    /// Up to `max` ready drops, waiting for the first one if none is ready; nil once
    /// `finish()` was called.
    package func take(max: Int) async -> [QueuedDrop]? {
        while !finished {
            promoteDue()
            if !ready.isEmpty {
                let batch = Array(ready.prefix(max))
                ready.removeFirst(batch.count)
                for drop in batch { readyKeys.remove(drop.key) }
                return batch
            }
            let nextDue = scheduled.map(\.due).min()
            await withCheckedContinuation { continuation in
                waiter = continuation
                if let nextDue {
                    timer = Task { [weak self] in
                        // Cancelled: the wait ended early; must not wake the next one.
                        guard (try? await Task.sleep(until: nextDue, clock: .continuous)) != nil else { return }
                        await self?.wake()
                    }
                }
            }
            timer?.cancel()
            timer = nil
        }
        return nil
    }

    /// Stops handing out drops; what is still queued stays on disk for the next start.
    package func finish() {
        finished = true
        wake()
    }

    private func wake() {
        waiter?.resume()
        waiter = nil
    }

    private func promoteDue() {
        let now = ContinuousClock.now
        var remaining: [(due: ContinuousClock.Instant, drop: QueuedDrop)] = []
        for entry in scheduled {
            if entry.due <= now {
                if readyKeys.insert(entry.drop.key).inserted { ready.append(entry.drop) }
            } else {
                remaining.append(entry)
            }
        }
        scheduled = remaining
    }
}
