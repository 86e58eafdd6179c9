import Foundation
import Glibc

/// Runs CPU-heavy work on its own thread at a lower scheduling priority, so the daemon's
/// prediction path keeps its cores while a retrain runs.
///
/// A thread (not a child process) because the work needs the store, the config and the
/// registry of this process, and crash safety does not depend on isolation: nothing the
/// thread does is visible until one store transaction commits (see Retrainer).
package enum BackgroundThread {
    /// Runs `work` on a new thread whose nice value is raised by `nice` (Linux applies
    /// `setpriority` with a thread id to that thread only).
    package static func run<T: Sendable>(nice: Int, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                if nice > 0, let tid = currentThreadID() {
                    let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid)
                    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid, min(19, current + Int32(nice)))
                }
                do {
                    continuation.resume(returning: try work())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "narformer-retrain"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// The kernel's id of the calling thread: `/proc/thread-self` links to `<pid>/task/<tid>`
    /// (Swift cannot call the variadic `syscall(SYS_gettid)`).
    private static func currentThreadID() -> id_t? {
        var buffer = [CChar](repeating: 0, count: 64)
        let length = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let link = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return link.split(separator: "/").last.flatMap { id_t($0) }
    }
}
