import Foundation
import Inbox
import Logging
import ServiceLifecycle

/// The daemon's service: watches the inboxes, runs the drop pipeline, talks to systemd
/// (READY, STATUS, WATCHDOG, RELOADING, STOPPING) and reloads on SIGHUP.
///
/// `run()` owns everything it starts, in one task group:
/// - the pipeline loop (the only consumer of drops, see `DropPipeline`);
/// - a feeder that turns watcher events into queue entries (rescans on overflow);
/// - a ticker that pings the watchdog at half of WATCHDOG_USEC, but only while the
///   pipeline is responsive (a batch stuck for longer than the watchdog timeout stops the
///   pings, so systemd restarts the daemon), and refreshes STATUS=;
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
        let watcher = try InboxWatcher(folders: pipeline.inboxes.map(\.path))
        defer { watcher.stop() }
        try await pipeline.recover()
        let hangups = await HangupSignals.stream()
        notifier.notify(.ready, .status(statusLine()))
        logger.notice("narformer is ready", metadata: [
            "inboxes": "\(pipeline.inboxes.map(\.name).joined(separator: ","))"])

        await withTaskGroup(of: Void.self) { group in
            group.addTask { [pipeline] in
                for await event in watcher.events {
                    switch event {
                    case .arrived(let inbox, let name):
                        await pipeline.enqueue(inbox: inbox, name: name)
                    case .rescanAll:
                        for index in pipeline.inboxes.indices { await pipeline.rescan(inbox: index) }
                    }
                }
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

    private func tick() async {
        let watchdog = notifier.watchdogInterval
        let interval = min(watchdog ?? statusInterval, statusInterval)
        var lastStatus = ""
        var lastPing = ContinuousClock.now
        var warned = false
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if let watchdog, ContinuousClock.now - lastPing >= watchdog {
                // WATCHDOG_USEC is twice `watchdog`: a batch running that long is stuck.
                if pipeline.isResponsive(within: watchdog * 2) {
                    notifier.notify(.watchdog)
                    lastPing = .now
                    warned = false
                } else if !warned {
                    logger.critical("a batch has been running for longer than the watchdog allows; not pinging systemd")
                    warned = true
                }
            }
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
