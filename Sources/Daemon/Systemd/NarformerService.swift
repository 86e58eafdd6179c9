import Foundation
import Inbox
import Logging
import ServiceLifecycle

/// The daemon's service: watches the inboxes, runs the drop pipeline, talks to systemd
/// (READY, STATUS, WATCHDOG, RELOADING, STOPPING) and reloads on SIGHUP.
///
/// `run()` owns everything it starts, in one task group:
/// - the pipeline loop (the only consumer of drops, see `DropPipeline`);
/// - a feeder that turns watcher events into queue entries (rescans on overflow; an inbox
///   folder that was removed or renamed away is made again or opened anew, watched again
///   and scanned);
/// - one scanner per inbox that scans it every `scanInterval` of its `watching` (the safety
///   net under inotify, the only way to see drops in `poll` mode), opening it again first
///   when it was replaced;
/// - a thread of its own (`WatchdogPinger`) that pings the watchdog at half of
///   WATCHDOG_USEC while the pipeline is responsive: a long drop whose import reports its
///   phases keeps it pinging; an inbox without progress for longer than the pipeline's
///   stall limit stops the pings, so systemd restarts the daemon;
/// - a ticker that refreshes STATUS=;
/// - the SIGHUP listener that calls `reload`.
/// On graceful shutdown (SIGTERM/SIGINT through ServiceGroup) the batch in progress is
/// finished and filed, then `run()` returns: exit status 0. Nothing queued is lost: it
/// is still in the inbox or in `.work/`.
package struct NarformerService: Service {
    /// Applies a new configuration. Throw (with a message naming the file and the problem)
    /// to keep the old one; the service logs it and carries on.
    package typealias Reload = @Sendable () async throws -> Void

    package let pipeline: DropPipeline
    private let notifier: SystemdNotifier
    private let reload: Reload
    private let logger: Logger
    private let statusInterval: Duration

    package init(inboxes: [InboxDescriptor], processor: any DropProcessor,
         settings: DropPipeline.Settings = .init(),
         notifier: SystemdNotifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment),
         reload: @escaping Reload, logger: Logger,
         mover: FileMover = .posix, statusInterval: Duration = .seconds(1)) {
        self.pipeline = DropPipeline(inboxes: inboxes, processor: processor, settings: settings,
                                     mover: mover, logger: logger)
        self.notifier = notifier
        self.reload = reload
        self.logger = logger
        self.statusInterval = statusInterval
    }

    package func run() async throws {
        // Watch before scanning, so a file dropped in between is not missed.
        let polled = Set(pipeline.inboxes.indices.filter { !pipeline.inboxes[$0].watching.usesInotify })
        let watcher = try InboxWatcher(folders: pipeline.inboxes.map(\.path), polled: polled)
        defer { watcher.stop() }
        try await pipeline.recover()
        let hangups = await HangupSignals.stream()
        notifier.notify(.ready, .status(statusLine()))
        let pinger = notifier.watchdogInterval.map { [pipeline, notifier, logger] interval in
            WatchdogPinger(notifier: notifier, interval: interval, isResponsive: { pipeline.isResponsive() }, logger: logger)
        }
        pinger?.start()
        defer { pinger?.stop() }
        logger.notice("narformer is ready", metadata: [
            "inboxes": "\(pipeline.inboxes.map(\.name).joined(separator: ","))"])

        await withTaskGroup(of: Void.self) { group in
            group.addTask { [pipeline] in
                for await event in watcher.events {
                    switch event {
                    case .arrived(let inbox, let name):
                        await pipeline.enqueue(inbox: inbox, name: name)
                    case .created(let inbox, let name):
                        await pipeline.enqueueCreated(inbox: inbox, name: name)
                    case .lost(let inbox):
                        // Logged (warning) by the pipeline when the folder at the path is another one.
                        await restoreAndScan(inbox, watcher: watcher, lost: true)
                    case .rescanAll:
                        for index in pipeline.inboxes.indices { await pipeline.rescan(inbox: index) }
                    }
                }
            }
            for index in pipeline.inboxes.indices {
                group.addTask { await scanPeriodically(index, watcher: watcher) }
            }
            group.addTask { await tick() }
            group.addTask {
                for await _ in hangups { await handleReload() }
            }
            group.addTask { [pipeline] in
                try? await gracefulShutdown()
                await pipeline.stop()
            }
            await pipeline.run()
            notifier.notify(.stopping, .status("Stopping: the last batch is filed."))
            logger.notice("narformer is stopping", metadata: ["pending": .stringConvertible(pipeline.counters.queueDepth)])
            group.cancelAll()
            watcher.stop()
        }
    }

    /// Called on SIGHUP: RELOADING=1, the reload closure, READY=1. A failing reload is
    /// logged and the old configuration stays in force.
    package func handleReload() async {
        notifier.notify(.reloading, .status("Reloading the configuration"))
        do {
            try await reload()
            logger.notice("configuration reloaded")
        } catch {
            logger.error("configuration not reloaded; keeping the previous one", metadata: ["error": "\(error)"])
        }
        notifier.notify(.ready, .status(statusLine()))
    }

    /// Opens the inbox folder again where it was replaced, watches the new one (inotify
    /// inboxes), then scans it: watching before scanning, so nothing dropped in between
    /// is missed. `lost`: the watcher reported the watch gone, so it is renewed even when
    /// the folder held still bears the path (a folder moved away and back).
    private func restoreAndScan(_ index: Int, watcher: InboxWatcher, lost: Bool) async {
        let reopened = pipeline.restore(inbox: index)
        let inbox = pipeline.inboxes[index]
        if inbox.watching.usesInotify, reopened || lost || !watcher.isWatching(inbox: index) {
            do {
                try watcher.rewatch(inbox: index)
            } catch {
                logger.error("cannot watch the inbox folder; it is scanned every rescan interval until it can be", metadata: [
                    "inbox": "\(inbox.name)", "error": "\(error)"])
            }
        }
        await pipeline.rescan(inbox: index)
    }

    private func scanPeriodically(_ index: Int, watcher: InboxWatcher) async {
        let interval = pipeline.inboxes[index].watching.scanInterval
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: interval)) != nil else { return }
            await restoreAndScan(index, watcher: watcher, lost: false)
        }
    }

    private func tick() async {
        var lastStatus = ""
        while !Task.isCancelled {
            try? await Task.sleep(for: statusInterval)
            let status = statusLine()
            if status != lastStatus {
                notifier.notify(.status(status))
                lastStatus = status
            }
        }
    }

    private func statusLine() -> String {
        let counts = pipeline.counters
        var line = "Watching \(pipeline.inboxes.count) inbox\(pipeline.inboxes.count == 1 ? "" : "es"): "
            + "\(counts.queueDepth) waiting, \(counts.done) done, \(counts.failed) failed"
        if counts.held > 0 { line += ", \(counts.held) held" }
        if counts.moveErrors > 0 { line += ", \(counts.moveErrors) move errors (retrying)" }
        return line
    }
}
