import Foundation
import Glibc

/// How many times the work on a claimed drop started without finishing: a small hidden
/// file beside the drop in `.work/` (`.starts-<hash of the name>`), written before the
/// drop is handed to the processor and removed once its outcome is decided.
///
/// A mark that is still there at the next start means the daemon stopped while the drop
/// was in progress (SIGKILL, the watchdog, the kernel's out-of-memory killer). The count
/// lives on disk because the process that would remember it is the one that died; it is
/// replaced by rename, so a kill at any moment leaves the old count or the new one.
/// Hidden names are never drops, so marks are never taken for one.
package struct StartMarks: Sendable {
    package let folders: InboxFolders

    package init(folders: InboxFolders) { self.folders = folders }

    /// Starts of `name` that did not finish (0 without a mark).
    package func count(of name: DropName) -> Int {
        guard let work = try? folders.folder(.work),
              case .read(let contents) = SafeFile.read(Self.markName(of: name), in: work, maxBytes: 64) else { return 0 }
        return Int(String(decoding: contents.data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Records one more start of `name`; returns the new count.
    @discardableResult
    package func recordStart(of name: DropName) throws(SystemError) -> Int {
        let work = try folders.folder(.work)
        let count = self.count(of: name) + 1
        let mark = Self.markName(of: name)
        let temporary = mark.appending(".tmp")
        let fd = temporary.withCString {
            openat(work.descriptor, $0, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0o640)
        }
        guard fd >= 0 else { throw SystemError("cannot write", path: work.path.appending(temporary).description) }
        let text = Array("\(count)\n".utf8)
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let renamed = temporary.withCString { from in mark.withCString { to in renameat(work.descriptor, from, work.descriptor, to) } }
        guard written == text.count, renamed == 0 else {
            let error = SystemError("cannot write", path: work.path.appending(mark).description)
            _ = temporary.withCString { unlinkat(work.descriptor, $0, 0) }
            throw error
        }
        return count
    }

    /// The outcome of `name` is decided: no unfinished start any more.
    package func clear(_ name: DropName) {
        guard let work = try? folders.folder(.work) else { return }
        _ = Self.markName(of: name).withCString { unlinkat(work.descriptor, $0, 0) }
    }

    /// Removes marks (and half-written ones) whose drop is no longer in `.work/`.
    package func removeStale(keeping drops: [DropName]) {
        guard let work = try? folders.folder(.work), let names = try? work.names() else { return }
        let wanted = Set(drops.map(Self.markName))
        for name in names where Self.isMark(name) && !wanted.contains(name) {
            _ = name.withCString { unlinkat(work.descriptor, $0, 0) }
        }
    }

    package static func isMark(_ name: DropName) -> Bool { name.bytes.starts(with: prefix) }

    private static let prefix = Array(".starts-".utf8)

    /// The hash keeps the mark's name short whatever the drop's name (up to 255 bytes).
    static func markName(of name: DropName) -> DropName {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, 64 bits
        for byte in name.bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return DropName(bytes: prefix + Array((String(repeating: "0", count: 16 - hex.count) + hex).utf8))
    }
}
