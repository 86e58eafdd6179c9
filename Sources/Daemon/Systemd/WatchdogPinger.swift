import Foundation
import Logging
import Synchronization

/// Sends `WATCHDOG=1` from a thread of its own, so that nothing the daemon does with
/// drops (a long import, Swift's shared threads all busy) can delay a ping. What it
/// cannot see is whether the work moves; `isResponsive` says that (the pipeline: no inbox
/// has gone longer than its stall limit without progress). While it is false the pings
/// stop, and systemd restarts the daemon after `WatchdogSec=`.
package final class WatchdogPinger: Sendable {
    private let notifier: SystemdNotifier
    private let interval: Duration
    private let isResponsive: @Sendable () -> Bool
    private let logger: Logger
    private let stopped = Atomic(false)

    package init(notifier: SystemdNotifier, interval: Duration, isResponsive: @escaping @Sendable () -> Bool,
                 logger: Logger) {
        self.notifier = notifier
        self.interval = interval
        self.isResponsive = isResponsive
        self.logger = logger
    }

    package func start() {
        let thread = Thread { [self] in run() }
        thread.name = "narformer watchdog"
        thread.start()
    }

    /// Ends the thread within about 50 ms.
    package func stop() { stopped.store(true, ordering: .relaxed) }

    private func run() {
        var warned = false
        var next = ContinuousClock.now
        while !stopped.load(ordering: .relaxed) {
            if ContinuousClock.now >= next {
                next = .now + interval
                if isResponsive() {
                    notifier.notify(.watchdog)
                    warned = false
                } else if !warned {
                    logger.critical("the drop pipeline has made no progress for longer than it may; not pinging systemd's watchdog")
                    warned = true
                }
            }
            let wait = min(next - .now, .milliseconds(50))
            if wait > .zero {
                let parts = wait.components
                usleep(useconds_t(parts.seconds * 1_000_000 + parts.attoseconds / 1_000_000_000_000))
            }
        }
    }
}
