import Foundation
import Glibc

/// The drop protocol on disk for one inbox: claim by rename into `.work/`, read safely,
/// and file away into `done/` or `failed/` with a sidecar, never overwriting anything.
///
/// Every operation works on names inside the inbox and uses lstat/O_NOFOLLOW, so nothing a
/// writer drops (a symlink, a fifo, a device, a folder) is ever followed out of the inbox
/// or blocks the daemon.
package struct DropClaimer: Sendable {
    package let inbox: InboxDescriptor
    package let maxDropBytes: Int64
    package let mover: FileMover
    /// Runs between reading a drop and re-checking its identity; tests use it to play a
    /// writer that changes the file at the worst moment.
    package var afterReading: (@Sendable (BytePath) -> Void)?

    /// A file name may be at most 255 bytes; keep room for `-NNNNN` and `.result.json`.
    package static let maxStoredNameBytes = 255 - 6 - ".result.json".utf8.count

    package var root: BytePath { BytePath(inbox.path) }
    package var work: BytePath { root.appending(.workFolder) }
    package var done: BytePath { root.appending(.doneFolder) }
    package var failed: BytePath { root.appending(.failedFolder) }

    package init(inbox: InboxDescriptor, maxDropBytes: Int64, mover: FileMover = .posix) {
        self.inbox = inbox
        self.maxDropBytes = maxDropBytes
        self.mover = mover
    }

    /// Creates `.work/`, `done/` and `failed/` where missing.
    package func prepareFolders() throws(SystemError) {
        for folder in [work, done, failed] { try ensureFolder(folder) }
    }

    /// Makes sure `folder` is a real folder: created when missing, and refused when a
    /// writer replaced it by a file or by a symbolic link (which could lead our writes out
    /// of the inbox). A refusal is retried and reported like any other move failure.
    private func ensureFolder(_ folder: BytePath) throws(SystemError) {
        let created = folder.withCString { mkdir($0, 0o750) }
        if created != 0 && errno != EEXIST {
            throw SystemError("cannot create the folder", path: folder.description)
        }
        var status = stat()
        guard folder.withCString({ lstat($0, &status) }) == 0 else {
            throw SystemError("cannot look at the folder", path: folder.description)
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw SystemError("not a folder (a file or a link took its place; remove it):",
                              path: folder.description, code: ENOTDIR)
        }
    }

    /// Everything waiting in the inbox itself.
    package func waitingDrops() throws(SystemError) -> [DropName] {
        try Self.list(root).filter(\.isCandidate)
    }

    /// Everything left in `.work/` (claimed before a crash or a stop, or held for later).
    package func claimedDrops() throws(SystemError) -> [DropName] {
        try Self.list(work).filter { $0.bytes != [UInt8(ascii: ".")] && $0.bytes != Array("..".utf8) }
    }

    package enum ClaimResult: Equatable {
        case claimed
        /// No longer there (another event already claimed it, or the writer removed it).
        case gone
        /// A drop of the same name is still in `.work/` (held); try again later.
        case nameBusy
    }

    /// Renames `<inbox>/name` into `.work/` (the rename moves a symlink itself, never its
    /// target).
    package func claim(_ name: DropName) throws(SystemError) -> ClaimResult {
        var status = stat()
        if root.appending(name).withCString({ lstat($0, &status) }) != 0 {
            if errno == ENOENT { return .gone }
            throw SystemError("cannot look at", path: root.appending(name).description)
        }
        try ensureFolder(work)
        do {
            try mover.move(root.appending(name), work.appending(name))
            return .claimed
        } catch {
            if error.code == ENOENT { return .gone }
            if error.code == EEXIST { return .nameBusy }
            throw error
        }
    }

    package enum ReadResult {
        case read(contents: Data, identity: FileIdentity, claimedAt: Date)
        /// Not usable at all: goes to `failed/` with this reason.
        case rejected(reason: String)
        /// Changed while we read it: try again later.
        case changing(reason: String)
        case gone
    }

    /// Reads a claimed drop through the descriptor it checks, refusing anything but a
    /// plain, single-linked regular file within the size limit.
    package func read(_ name: DropName) -> ReadResult {
        let path = work.appending(name)
        var before = stat()
        if path.withCString({ lstat($0, &before) }) != 0 {
            return errno == ENOENT ? .gone : .changing(reason: SystemError("cannot look at", path: path.description).description)
        }
        if let reason = Self.rejection(forType: before.st_mode & S_IFMT) { return .rejected(reason: reason) }
        // O_NONBLOCK: if the name was swapped for a fifo after lstat, open must not hang.
        let fd = path.withCString { open($0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) }
        if fd < 0 {
            if errno == ELOOP { return .rejected(reason: Self.rejection(forType: S_IFLNK) ?? "") }
            if errno == ENOENT { return .gone }
            if errno == EACCES || errno == EPERM {
                return .rejected(reason: "narformer is not allowed to read this file. Make it readable for the narformer group (for example chmod g+r) and drop it again.")
            }
            // EMFILE, EIO...: a problem on our side, not the file's; try again later.
            return .changing(reason: SystemError("cannot open", path: path.description).description)
        }
        defer { close(fd) }
        var opened = stat()
        guard fstat(fd, &opened) == 0 else {
            return .changing(reason: SystemError("cannot look at", path: path.description).description)
        }
        if let reason = Self.rejection(forType: opened.st_mode & S_IFMT) { return .rejected(reason: reason) }
        if opened.st_nlink > 1 {
            return .rejected(reason: "The file is a hard link to another file, which narformer does not accept from an inbox. Copy the file into the inbox instead of linking it.")
        }
        if Int64(opened.st_size) > maxDropBytes {
            return .rejected(reason: "The file is \(Self.bytesInWords(Int64(opened.st_size))), more than the \(Self.bytesInWords(maxDropBytes)) this inbox accepts.")
        }
        let identity = FileIdentity(opened)
        guard let contents = Self.readAll(fd, expected: Int(opened.st_size), limit: maxDropBytes) else {
            return .changing(reason: SystemError("cannot read", path: path.description).description)
        }
        afterReading?(path)
        var after = stat()
        guard fstat(fd, &after) == 0, FileIdentity(after).sameContent(as: identity),
              Int64(contents.count) == identity.size
        else {
            return .changing(reason: "The file changed while it was being read (it is probably still being written).")
        }
        let claimedAt = Date(timeIntervalSince1970: TimeInterval(opened.st_ctim.tv_sec)
                             + TimeInterval(opened.st_ctim.tv_nsec) / 1e9)
        return .read(contents: contents, identity: identity, claimedAt: claimedAt)
    }

    package enum Destination { case done, failed }

    /// Writes the sidecar, then moves the drop next to it under a name that is free in the
    /// destination (`name`, `name-1`, ...). The sidecar goes first so that a crash between
    /// the two steps leaves the drop in `.work/` (processed again), never a drop without its
    /// explanation. Returns the name it was stored under.
    @discardableResult
    package func file(_ name: DropName, to destination: Destination, sidecar: Data) throws(SystemError) -> DropName {
        let folder = destination == .done ? done : failed
        try ensureFolder(folder)
        let sidecarSuffix = destination == .done ? ".result.json" : ".error.txt"
        let base = name.storedName(maxBytes: Self.maxStoredNameBytes)
        for attempt in 0..<100_000 {
            let stored = attempt == 0 ? base : base.numbered(attempt)
            let sidecarPath = folder.appending(stored.appending(sidecarSuffix))
            var status = stat()
            if folder.appending(stored).withCString({ lstat($0, &status) }) == 0 { continue }
            let fd = sidecarPath.withCString { open($0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640) }
            if fd < 0 {
                if errno == EEXIST { continue }
                throw SystemError("cannot write", path: sidecarPath.description)
            }
            let written = Self.writeAll(fd, sidecar)
            let writeError = errno
            close(fd)
            guard written else {
                _ = sidecarPath.withCString { unlink($0) }
                throw SystemError("cannot write", path: sidecarPath.description, code: writeError)
            }
            do {
                try mover.move(work.appending(name), folder.appending(stored))
                return stored
            } catch {
                _ = sidecarPath.withCString { unlink($0) }
                if error.code == EEXIST { continue }
                throw error
            }
        }
        throw SystemError("no free name left for", path: folder.appending(base).description, code: EEXIST)
    }

    // MARK: - helpers

    private static func rejection(forType type: mode_t) -> String? {
        switch type {
        case S_IFREG: return nil
        case S_IFLNK: return "The file is a symbolic link. narformer never follows links out of an inbox; copy the file itself into the inbox."
        case S_IFDIR: return "This is a folder, not a file. Drop the files inside it one by one."
        case S_IFIFO: return "This is a named pipe (fifo), not a file. Drop a regular file."
        case S_IFSOCK: return "This is a socket, not a file. Drop a regular file."
        default: return "This is a device, not a file. Drop a regular file."
        }
    }

    package static func bytesInWords(_ bytes: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }

    /// Reads to the end (at most `limit + 1` bytes, so growth past the limit is noticed),
    /// straight into the Data handed to the processor.
    private static func readAll(_ fd: Int32, expected: Int, limit: Int64) -> Data? {
        var data = Data(count: max(expected, 0) + 1)
        var total = 0
        while true {
            if total == data.count {
                if Int64(total) > limit { break }
                data.count += max(4096, total)
            }
            let count = data.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress! + total, raw.count - total)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            total += count
        }
        data.count = total
        return data
    }

    private static func writeAll(_ fd: Int32, _ data: Data) -> Bool {
        var offset = 0
        while offset < data.count {
            let count = data.withUnsafeBytes { raw in
                write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += count
        }
        return true
    }

    private static func list(_ folder: BytePath) throws(SystemError) -> [DropName] {
        guard let dir = folder.withCString({ opendir($0) }) else {
            throw SystemError("cannot list", path: folder.description)
        }
        defer { closedir(dir) }
        var names: [DropName] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                DropName(bytes: Array(raw.prefix { $0 != 0 }))
            }
            if name.bytes == [UInt8(ascii: ".")] || name.bytes == Array("..".utf8) { continue }
            names.append(name)
        }
        return names.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
    }
}
