import Dispatch
import Foundation

/// Asks a running training to stop after its current step; set from a signal handler,
/// another task or a test, read by the training loop.
public final class TrainingStopFlag: @unchecked Sendable {
    // A lock rather than an atomic: Synchronization's Atomic needs macOS 15.
    private let lock = NSLock()
    private var requested = false

    public init() {}

    public func request() { lock.withLock { requested = true } }
    public var isRequested: Bool { lock.withLock { requested } }
}

/// Turns SIGINT (Ctrl-C) and SIGTERM into a stop request, so training ends at the next
/// step with its best checkpoint written; a second signal exits at once (status 130).
/// Keep the returned value alive for as long as the handling should last.
public final class InterruptHandler: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let signals: [Int32]

    public init(stopping flag: TrainingStopFlag, signals: [Int32] = [SIGINT, SIGTERM],
                onFirstSignal: (@Sendable (Int32) -> Void)? = nil) {
        self.signals = signals
        for number in signals {
            // The default action would kill the process before the source sees the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if flag.isRequested { exit(130) }
                flag.request()
                onFirstSignal?(number)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Stops handling and restores the default actions.
    public func cancel() {
        for source in sources { source.cancel() }
        sources.removeAll()
        for number in signals { signal(number, SIG_DFL) }
    }

    deinit { cancel() }
}
