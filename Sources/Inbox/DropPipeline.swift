import Foundation
import Logging
import Synchronization

/// The one ordered path every drop takes: claim, check, read, hand to the processor in
/// batches, file away.
///
/// Concurrency: watchers (one thread for all inboxes) only *enqueue* names into the
/// inboxes' `DropQueue` actors. `run()` serves every inbox in a lane of its own: one task
/// per inbox, on a thread of its own (`LaneThread`), that takes whatever is ready in that
/// inbox (up to `maxBatch` drops and `batchBytes` bytes), does all file-system work of the
/// inbox and calls the processor, one batch at a time. So each inbox has exactly one
/// writer of its `.work/`, `done/` and `failed/`, and a slow drop in one inbox delays no
/// other: the other lanes go on. The processor may be called by several lanes at once,
/// never twice at once for one inbox. Failures are re-scheduled in the queue with backoff,
/// never dropped; what is still queued at shutdown stays on disk (in the inbox or
/// `.work/`) and is picked up at the next start.
///
/// Poison pills: before a drop is handed to the processor its start is recorded beside it
/// (`StartMarks`); a drop found at start with unfinished starts was in progress when the
/// daemon stopped, so it is processed alone, and after `recoveryAttempts` such stops it
/// is failed instead of tried again.
package final class DropPipeline: Sendable {
    package struct Settings: Sendable {
        /// Most drops handed to the processor in one call.
        package var maxBatch = 64
        /// Drops larger than this go to `failed/` unread.
        package var maxDropBytes: Int64 = 1 << 30
        /// Most bytes of drops read for one processor call; the next drop that would pass
        /// it waits for the next call, and a drop larger than it is processed alone. So one
        /// inbox holds at most this much, or one drop, in memory at a time.
        package var batchBytes: Int64 = 256 << 20
        package var backoff = RetryBackoff()
        /// A drop that is still changing after this many reads goes to `failed/`.
        package var maxChangingReads = 20
        /// A drop in progress when the daemon stopped this many times goes to `failed/`.
        package var recoveryAttempts = 3
        /// How long one inbox's work may go without progress (a new batch, or a phase of an
        /// import reported through `DropProgress`) before the pipeline counts as stuck.
        package var stallLimit: Duration = .seconds(150)

        package init(maxBatch: Int = 64, maxDropBytes: Int64 = 1 << 30, batchBytes: Int64 = 256 << 20,
                     backoff: RetryBackoff = RetryBackoff(), maxChangingReads: Int = 20, recoveryAttempts: Int = 3,
                     stallLimit: Duration = .seconds(150)) {
            self.maxBatch = maxBatch
            self.maxDropBytes = maxDropBytes
            self.batchBytes = batchBytes
            self.backoff = backoff
            self.maxChangingReads = maxChangingReads
            self.recoveryAttempts = recoveryAttempts
            self.stallLimit = stallLimit
        }
    }

    package let inboxes: [InboxDescriptor]
    private let claimers: [DropClaimer]
    private let marks: [StartMarks]
    private let processor: any DropProcessor
    private let settings: Settings
    private let logger: Logger
    /// One queue per inbox.
    private let queues: [DropQueue]
    private let stopped = DropQueue()
    /// One per inbox: beaten by the processor while it works on that inbox's drops.
    private let progress: [DropProgress]
    private let state: Mutex<(counters: PipelineCounters, busySince: [Int: ContinuousClock.Instant])>

    package init(inboxes: [InboxDescriptor], processor: any DropProcessor, settings: Settings = Settings(),
         mover: FileMover = .posix, logger: Logger,
         afterReading: (@Sendable (BytePath) -> Void)? = nil) {
        self.inboxes = inboxes
        self.claimers = inboxes.map {
            var claimer = DropClaimer(inbox: $0, maxDropBytes: settings.maxDropBytes, mover: mover, logger: logger)
            claimer.afterReading = afterReading
            return claimer
        }
        self.marks = claimers.map { StartMarks(folders: $0.folders) }
        self.queues = inboxes.map { _ in DropQueue() }
        self.progress = inboxes.map { _ in DropProgress() }
        self.state = Mutex((PipelineCounters(), [:]))
        self.processor = processor
        self.settings = settings
        self.logger = logger
    }

    /// Opens every inbox and its protocol folders (creating what is missing) and queues
    /// what `.work/` still holds (crash recovery) ahead of everything waiting in the inboxes.
    package func recover() async throws(SystemError) {
        for (index, claimer) in claimers.enumerated() {
            try claimer.prepareFolders()
            let leftovers = try claimer.claimedDrops()
            marks[index].removeStale(keeping: leftovers)
            if !leftovers.isEmpty {
                logger.notice("recovering drops claimed before the last stop", metadata: [
                    "inbox": "\(claimer.inbox.name)", "count": .stringConvertible(leftovers.count)])
            }
            for name in leftovers { await queues[index].enqueue(QueuedDrop(inbox: index, name: name, claimed: true)) }
        }
        for index in claimers.indices { await rescan(inbox: index) }
    }

    /// A name reported by the watcher.
    package func enqueue(inbox: Int, name: DropName) async {
        guard name.isCandidate else { return }
        await queues[inbox].enqueue(QueuedDrop(inbox: inbox, name: name, claimed: false))
    }

    /// A name the watcher saw created in place: queued when it is something the protocol
    /// refuses (a folder, a link, a fifo...), so it goes to `failed/` at once; a regular
    /// file is left until it is closed or renamed.
    package func enqueueCreated(inbox: Int, name: DropName) async {
        guard name.isCandidate, claimers[inbox].isCompleteOnCreation(name) else { return }
        await queues[inbox].enqueue(QueuedDrop(inbox: inbox, name: name, claimed: false))
    }

    /// Opens the folder at the inbox's path again when it is no longer the one held (the
    /// inbox was removed, renamed away or replaced), making it where missing. Returns true
    /// when it did, so that the caller watches the new folder. A folder that cannot be used
    /// is logged and tried again at the next call.
    package func restore(inbox index: Int) -> Bool {
        do {
            return try claimers[index].folders.reopenIfReplaced()
        } catch {
            logger.error("cannot open the inbox folder again", metadata: [
                "inbox": "\(inboxes[index].name)", "error": "\(error)"])
            return false
        }
    }

    /// Queues everything waiting in an inbox (at start, after an inotify overflow, and on
    /// the inbox's scan timer).
    package func rescan(inbox index: Int) async {
        do {
            for name in try claimers[index].waitingDrops() {
                await queues[index].enqueue(QueuedDrop(inbox: index, name: name, claimed: false))
            }
        } catch {
            logger.error("cannot scan inbox", metadata: ["inbox": "\(inboxes[index].name)", "error": "\(error)"])
        }
    }

    /// Processes batches until `stop()`, every inbox in its own lane; returns after the
    /// batches in progress are filed.
    package func run() async {
        await withTaskGroup(of: Void.self) { group in
            for index in inboxes.indices {
                group.addTask { await self.runLane(index) }
            }
            // Never given a drop: ends at `stop()`, so that `run()` lasts until then even
            // without inboxes.
            group.addTask { _ = await self.stopped.take(max: 1) }
        }
    }

    private func runLane(_ index: Int) async {
        let thread = LaneThread(name: "narformer inbox \(inboxes[index].name)")
        defer { thread.stop() }
        await withTaskExecutorPreference(thread) {
            while let batch = await queues[index].take(max: settings.maxBatch) {
                state.withLock { $0.busySince[index] = .now }
                await process(batch, lane: index)
                state.withLock { $0.busySince[index] = nil }
                await updateDepth()
            }
        }
    }

    private func updateDepth() async {
        var depth = 0
        for queue in queues { depth += await queue.depth }
        state.withLock { $0.counters.queueDepth = depth }
    }

    /// Ends `run()` after the current batches. Safe to call from any context.
    package func stop() async {
        for queue in queues { await queue.finish() }
        await stopped.finish()
    }

    package var counters: PipelineCounters { state.withLock { $0.counters } }

    /// False when an inbox's work has gone longer than `stallLimit` without progress (a
    /// hung processor): the watchdog then stops pinging and systemd restarts the daemon.
    /// A long drop whose import reports its phases stays responsive.
    package func isResponsive() -> Bool {
        let busy = state.withLock { $0.busySince }
        let now = ContinuousClock.now
        return busy.allSatisfy { index, since in
            now - max(since, progress[index].lastBeat) < settings.stallLimit
        }
    }

    // MARK: - one batch

    private func process(_ batch: [QueuedDrop], lane: Int) async {
        let claimer = claimers[lane]
        var ready: [(QueuedDrop, ClaimedDrop)] = []
        var readyBytes: Int64 = 0
        for var drop in batch {
            if let pending = drop.pendingFiling {
                await file(drop, pending)
                continue
            }
            if !drop.claimed {
                do {
                    switch try claimer.claim(drop.name) {
                    case .gone: continue
                    case .nameBusy:
                        await retry(drop, because: "a drop of the same name is still in .work/", count: false)
                        continue
                    case .claimed: drop.claimed = true
                    }
                } catch {
                    await retry(drop, because: error.description, count: true)
                    continue
                }
            }
            let accepted = claimer.inbox.acceptedExtensions
            if !accepted.isEmpty && !accepted.contains(drop.name.fileExtension) {
                let kinds = accepted.sorted().map { ".\($0)" }.joined(separator: ", ")
                await fail(drop, reason: "This inbox accepts only \(kinds) files, and this file's name does not end in one of them.")
                continue
            }
            let unfinished = marks[lane].count(of: drop.name)
            if unfinished >= settings.recoveryAttempts {
                await fail(drop, reason: "This file was in progress each time the daemon stopped (killed, out of memory or "
                           + "stopped by its watchdog): it stopped the daemon \(unfinished) times, so it is not tried again. "
                           + "If it is a sound file (a very large network), ask the operator to look at the daemon's log "
                           + "and its limits, then drop it again.")
                marks[lane].clear(drop.name)
                continue
            }
            // Memory: a drop that would take the batch past its bytes is read after the
            // drops before it are done; one that was in progress when the daemon stopped
            // is processed alone, so it cannot take innocent drops down with it again.
            let alone = unfinished > 0
            let size = claimer.claimedSize(of: drop.name) ?? 0
            if !ready.isEmpty && (alone || readyBytes + size > settings.batchBytes) {
                await hand(ready, lane: lane)
                ready = []
                readyBytes = 0
            }
            switch claimer.read(drop.name, opening: processor.openingCheck(for: drop.name)) {
            case .gone:
                continue
            case .rejected(let reason):
                await fail(drop, reason: reason)
            case .changing(let reason):
                state.withLock { $0.counters.changing += 1 }
                if drop.failures + 1 >= settings.maxChangingReads {
                    await fail(drop, reason: "The file kept changing while narformer read it, \(settings.maxChangingReads) times in a row. Write it under a temporary name (ending in .tmp) and rename it when it is complete.")
                } else {
                    await retry(drop, because: reason, count: false)
                }
            case .read(let contents, let identity, let claimedAt):
                let claimed = ClaimedDrop(
                    inbox: claimer.inbox, originalName: drop.name,
                    claimedPath: claimer.work.appending(drop.name).description,
                    kind: drop.name.fileExtension, contents: contents, identity: identity,
                    claimedAt: claimedAt, retries: drop.processorRetries, folders: claimer.folders,
                    progress: progress[lane])
                ready.append((drop, claimed))
                readyBytes += Int64(contents.count)
                if alone {
                    await hand(ready, lane: lane)
                    ready = []
                    readyBytes = 0
                }
            }
        }
        if !ready.isEmpty { await hand(ready, lane: lane) }
    }

    /// Records each drop's start, hands the drops to the processor, and files or holds
    /// each by its outcome.
    private func hand(_ ready: [(QueuedDrop, ClaimedDrop)], lane: Int) async {
        for (drop, _) in ready {
            do {
                try marks[lane].recordStart(of: drop.name)
            } catch {
                // Without the mark a drop that kills the daemon is tried again at every
                // start; processing it is still better than leaving it.
                logger.error("cannot record the start of a drop", metadata: fields(drop, outcome: "processing", extra: [
                    "error": "\(error)"]))
            }
        }
        progress[lane].beat()
        let outcomes = await processor.process(ready.map(\.1))
        for (drop, _) in ready { marks[lane].clear(drop.name) }
        for (index, (drop, claimed)) in ready.enumerated() {
            let outcome = index < outcomes.count
                ? outcomes[index]
                : .retryLater(reason: "the processor gave no answer for this drop", delay: settings.backoff.initial)
            switch outcome {
            case .done(let json, let hash):
                await file(drop, .init(destination: .done, sidecar: json, outcome: "done", hash: hash))
            case .failed(let reason):
                await fail(drop, reason: reason)
            case .retryLater(let reason, let delay):
                var held = drop
                held.processorRetries += 1
                held.failures = 0
                state.withLock { $0.counters.held += 1 }
                logger.info("drop", metadata: fields(drop, outcome: "held", extra: [
                    "reason": "\(reason)", "retry_in_ms": .stringConvertible(delay.milliseconds),
                    "bytes": .stringConvertible(claimed.contents.count)]))
                await queues[lane].schedule(held, after: delay)
            }
        }
    }

    private func fail(_ drop: QueuedDrop, reason: String) async {
        let note = FailureNote.text(name: drop.name, inbox: inboxes[drop.inbox], reason: reason)
        await file(drop, .init(destination: .failed, sidecar: note, outcome: "failed", reason: reason))
    }

    private func file(_ drop: QueuedDrop, _ pending: QueuedDrop.PendingFiling) async {
        do {
            let stored = try claimers[drop.inbox].file(drop.name, to: pending.destination, sidecar: pending.sidecar)
            state.withLock {
                if pending.destination == .done { $0.counters.done += 1 } else { $0.counters.failed += 1 }
            }
            var extra: Logger.Metadata = [:]
            if let hash = pending.hash { extra["hash"] = "\(hash)" }
            if let reason = pending.reason { extra["reason"] = "\(reason)" }
            if stored != drop.name { extra["stored_as"] = "\(stored)" }
            // A failed drop is something a person has to look at: warning, so that
            // `journalctl -p warning` shows it and nothing routine.
            logger.log(level: pending.destination == .failed ? .warning : .info, "drop",
                       metadata: fields(drop, outcome: pending.outcome, extra: extra))
        } catch {
            if error.code == ENOENT, !claimers[drop.inbox].holds(drop.name) {
                // The inbox folder was replaced: the drop stayed in the old folder's `.work/`.
                logger.warning("drop", metadata: fields(drop, outcome: "left", extra: [
                    "reason": "no longer in .work/: the inbox folder was removed or replaced, and the drop stayed in the old one"]))
                return
            }
            var waiting = drop
            waiting.pendingFiling = pending
            await retry(waiting, because: error.description, count: true)
        }
    }

    /// Schedules another try with backoff; `count` marks it as a move error (reported).
    private func retry(_ drop: QueuedDrop, because reason: String, count: Bool) async {
        var again = drop
        again.failures += 1
        let delay = settings.backoff.delay(afterFailures: again.failures)
        if count {
            state.withLock { $0.counters.moveErrors += 1 }
            logger.error("drop", metadata: fields(drop, outcome: "retrying", extra: [
                "reason": "\(reason)", "attempt": .stringConvertible(again.failures),
                "retry_in_ms": .stringConvertible(delay.milliseconds)]))
        } else {
            logger.debug("drop", metadata: fields(drop, outcome: "deferred", extra: [
                "reason": "\(reason)", "retry_in_ms": .stringConvertible(delay.milliseconds)]))
        }
        await queues[drop.inbox].schedule(again, after: delay)
    }

    private func fields(_ drop: QueuedDrop, outcome: String, extra: Logger.Metadata) -> Logger.Metadata {
        var metadata = extra
        metadata["inbox"] = "\(inboxes[drop.inbox].name)"
        metadata["name"] = "\(drop.name)"
        metadata["outcome"] = "\(outcome)"
        metadata["ms"] = .stringConvertible((ContinuousClock.now - drop.seenAt).milliseconds)
        return metadata
    }
}

extension Duration {
    /// Whole milliseconds, for log lines.
    package var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
