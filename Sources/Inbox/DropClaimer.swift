import Foundation
import Glibc
import Logging

/// The drop protocol on disk for one inbox: claim by rename into `.work/`, read safely,
/// and file away into `done/` or `failed/` with a note, never overwriting anything.
///
/// Every operation is relative to the directory descriptors of `folders` (openat,
/// renameat, mkdirat, fstatat with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW), never a path: nothing
/// a writer drops or swaps in (a symbolic link, a fifo, a device, a folder in place of one
/// of ours) is ever followed out of the inbox or blocks the daemon.
package struct DropClaimer: Sendable {
    package let inbox: InboxDescriptor
    package let maxDropBytes: Int64
    package let mover: FileMover
    /// The inbox's folders, held open.
    package let folders: InboxFolders
    /// Runs between reading a drop and re-checking its identity; tests use it to play a
    /// writer that changes the file at the worst moment.
    package var afterReading: (@Sendable (BytePath) -> Void)?

    /// A file name may be at most 255 bytes; keep room for `-NNNNN` and `.result.json`.
    package static let maxStoredNameBytes = 255 - 6 - ".result.json".utf8.count

    /// Paths for messages and logs only; no operation goes through them.
    package var root: BytePath { BytePath(inbox.path) }
    package var work: BytePath { root.appending(.workFolder) }

    package init(inbox: InboxDescriptor, maxDropBytes: Int64, mover: FileMover = .posix,
                 logger: Logger = Logger(label: "narformer.inbox", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.inbox = inbox
        self.maxDropBytes = maxDropBytes
        self.mover = mover
        self.folders = InboxFolders(path: inbox.path, logger: logger)
    }

    /// Opens the inbox (creating it where missing) and creates `.work/`, `done/` and
    /// `failed/` where missing.
    package func prepareFolders() throws(SystemError) {
        try folders.prepare()
    }

    /// Everything waiting in the inbox itself.
    package func waitingDrops() throws(SystemError) -> [DropName] {
        try folders.root().names().filter(\.isCandidate)
    }

    /// Everything left in `.work/` (claimed before a crash or a stop, or held for later).
    package func claimedDrops() throws(SystemError) -> [DropName] {
        try folders.folder(.work).names().filter { !StartMarks.isMark($0) }
    }

    /// The size of a claimed drop as it lies in `.work/` now (nil when it cannot be
    /// looked at), to plan a batch's memory before reading it.
    package func claimedSize(of name: DropName) -> Int64? {
        guard let work = try? folders.folder(.work), let status = work.status(of: name).status else { return nil }
        return Int64(status.st_size)
    }

    /// Whether a name just created in place in the inbox can be taken now: anything but a
    /// regular file with one link (a folder, a link, a fifo, a socket, a device, a hard
    /// link), all of which the protocol refuses. A regular file created in place is still
    /// being written; it is taken once it is closed or renamed. False also when the name is
    /// gone or cannot be looked at (a later scan finds it).
    package func isCompleteOnCreation(_ name: DropName) -> Bool {
        guard let root = try? folders.root(), let status = root.status(of: name).status else { return false }
        return !(status.st_mode & S_IFMT == S_IFREG && status.st_nlink == 1)
    }

    /// Whether `.work/` (the one held now) still has `name`; false once the inbox folder was
    /// replaced and the drop stayed in the old one.
    package func holds(_ name: DropName) -> Bool {
        guard let work = try? folders.folder(.work) else { return true }
        let (status, failure) = work.status(of: name)
        return status != nil || failure != ENOENT
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
        let root = try folders.root()
        let (status, failure) = root.status(of: name)
        if status == nil {
            if failure == ENOENT { return .gone }
            throw SystemError("cannot look at", path: root.path.appending(name).description, code: failure)
        }
        let work = try folders.folder(.work)
        do {
            try mover.move(.init(root, name), .init(work, name))
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
        /// Changed while we read it, or could not be read now: try again later.
        case changing(reason: String)
        case gone
    }

    /// Reads a claimed drop through `SafeFile`: only a plain, single-linked regular file
    /// within the size limit, read from the descriptor that was checked, and only when its
    /// opening passes `opening`.
    package func read(_ name: DropName, opening: OpeningCheck? = nil) -> ReadResult {
        let work: DirectoryHandle
        do {
            work = try folders.folder(.work)
        } catch {
            return .changing(reason: error.description)
        }
        switch SafeFile.read(name, in: work, maxBytes: maxDropBytes, opening: opening, afterReading: afterReading) {
        case .read(let contents):
            return .read(contents: contents.data, identity: contents.identity, claimedAt: contents.changedAt)
        case .missing: return .gone
        case .refused(let refusal): return .rejected(reason: refusal.reason)
        case .unavailable(let reason): return .changing(reason: reason)
        }
    }

    package enum Destination { case done, failed }

    /// Writes the note, then moves the drop next to it under a name that is free in the
    /// destination (`name`, `name-1`, ...). The note goes first so that a crash between the
    /// two steps leaves the drop in `.work/` (processed again), never a drop without its
    /// explanation. Both go through the one descriptor of the destination taken at the
    /// start, so they always end up side by side, in the daemon's own folder. Returns the
    /// name it was stored under.
    @discardableResult
    package func file(_ name: DropName, to destination: Destination, sidecar: Data) throws(SystemError) -> DropName {
        let folder = try folders.folder(destination == .done ? .done : .failed)
        let work = try folders.folder(.work)
        let noteSuffix = destination == .done ? ".result.json" : ".error.txt"
        let base = name.storedName(maxBytes: Self.maxStoredNameBytes)
        for attempt in 0..<100_000 {
            let stored = attempt == 0 ? base : base.numbered(attempt)
            let note = stored.appending(noteSuffix)
            if folder.status(of: stored).status != nil { continue }
            var fd = Self.createNote(note, in: folder)
            if fd < 0 && errno == EEXIST && folder.status(of: stored).status == nil {
                // A note without its drop is what a stop between writing the note and moving
                // the drop leaves: that drop is this one, back from `.work/` (the pipeline is
                // the only writer here, and `.work/` holds one drop per name). Replace the
                // note, so the drop keeps its name and no note is left alone.
                _ = note.withCString { unlinkat(folder.descriptor, $0, 0) }
                fd = Self.createNote(note, in: folder)
            }
            if fd < 0 {
                if errno == EEXIST { continue }
                throw SystemError("cannot write", path: folder.path.appending(note).description)
            }
            let written = Self.writeAll(fd, sidecar)
            let writeError = errno
            close(fd)
            guard written else {
                _ = note.withCString { unlinkat(folder.descriptor, $0, 0) }
                throw SystemError("cannot write", path: folder.path.appending(note).description, code: writeError)
            }
            do {
                try mover.move(.init(work, name), .init(folder, stored))
                return stored
            } catch {
                _ = note.withCString { unlinkat(folder.descriptor, $0, 0) }
                if error.code == EEXIST { continue }
                throw error
            }
        }
        throw SystemError("no free name left for", path: folder.path.appending(base).description, code: EEXIST)
    }

    private static func createNote(_ note: DropName, in folder: DirectoryHandle) -> Int32 {
        note.withCString {
            openat(folder.descriptor, $0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0o640)
        }
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
}
