import Dispatch
import Glibc

/// SIGHUP as an AsyncStream (ExecReload sends it). The default action of SIGHUP is to end
/// the process, so the signal is ignored at the process level and caught by a dispatch
/// source instead for as long as the stream is iterated.
enum HangupSignals {
    static func stream() -> AsyncStream<Void> {
        AsyncStream { continuation in
            signal(SIGHUP, SIG_IGN)
            let source = SignalSource(DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global()))
            source.dispatchSource.setEventHandler { continuation.yield() }
            source.dispatchSource.resume()
            continuation.onTermination = { _ in source.dispatchSource.cancel() }
        }
    }

    /// Dispatch sources are thread-safe, but the Dispatch module does not mark them
    /// Sendable yet.
    private final class SignalSource: @unchecked Sendable {
        let dispatchSource: any DispatchSourceSignal
        init(_ source: any DispatchSourceSignal) { dispatchSource = source }
    }
}
