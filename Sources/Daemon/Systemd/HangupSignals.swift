import Dispatch
import Glibc

/// SIGHUP as an AsyncStream (ExecReload sends it), caught by a dispatch signal source.
/// libdispatch on Linux installs its own handler, so the default action (ending the
/// process) no longer applies once `stream()` has returned.
package enum HangupSignals {
    /// Returns once the handler is registered, so a SIGHUP sent after READY=1 is never the
    /// default, fatal one.
    package static func stream() async -> AsyncStream<Void> {
        let source = SignalSource(DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global()))
        let stream = AsyncStream<Void> { continuation in
            source.dispatchSource.setEventHandler { continuation.yield() }
            continuation.onTermination = { _ in source.dispatchSource.cancel() }
        }
        await withCheckedContinuation { (registered: CheckedContinuation<Void, Never>) in
            source.dispatchSource.setRegistrationHandler { registered.resume() }
            source.dispatchSource.resume()
        }
        return stream
    }

    /// Dispatch sources are thread-safe, but the Dispatch module does not mark them
    /// Sendable yet.
    private final class SignalSource: @unchecked Sendable {
        package let dispatchSource: any DispatchSourceSignal
        package init(_ source: any DispatchSourceSignal) { dispatchSource = source }
    }
}
