import Foundation
import Glibc

/// The lock that makes one daemon the only one serving a store: `daemon.lock` in the store's
/// folder, locked with `flock` for as long as the holder lives (the kernel drops it when the
/// process ends, however it ends), the holder's PID written in it so that a second daemon can
/// name the first. Readers (`status`, `query`, `export`) never take it.
public final class DaemonLock: Sendable {
    /// Why the lock could not be taken, in plain words.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Another process holds the lock; `pid` is the one written in the file (nil when it
        /// could not be read).
        case held(file: String, pid: Int32?)
        /// The lock file could not be opened, locked or written.
        case unusable(file: String, reason: String)

        public var description: String {
            switch self {
            case let .held(file, pid):
                let who = pid.map { "another narformer (pid \($0))" } ?? "another narformer"
                return "\(who) is serving this store (it holds \(file)); stop it first, one daemon serves a store"
            case let .unusable(file, reason):
                return "cannot take the daemon lock \(file): \(reason)"
            }
        }
    }

    /// The lock file.
    public let file: String
    private let descriptor: Int32

    /// Takes the lock of `folder` (which must exist) or throws `Failure.held` naming the
    /// holder's PID. The lock is released when this object is released or the process ends.
    public init(folder: StoreFolder) throws {
        file = folder.daemonLock.path
        let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw Failure.unusable(file: file, reason: String(cString: strerror(errno))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK else {
                close(fd)
                throw Failure.unusable(file: file, reason: String(cString: strerror(code)))
            }
            let pid = Self.holder(fd)
            close(fd)
            throw Failure.held(file: file, pid: pid)
        }
        let text = Array("\(getpid())\n".utf8)
        let written = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == text.count, ftruncate(fd, off_t(text.count)) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure.unusable(file: file, reason: reason)
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// The PID the holder wrote. The holder writes it right after taking the lock, so an
    /// empty file is read again for a moment before giving up on naming it.
    private static func holder(_ fd: Int32) -> Int32? {
        for attempt in 0..<50 {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            if count > 0, let text = String(bytes: buffer[0..<count], encoding: .utf8),
               let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 {
                return pid
            }
            if attempt < 49 { usleep(10_000) }
        }
        return nil
    }
}
