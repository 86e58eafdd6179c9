import Glibc
import Logging
import Synchronization

/// The folders the drop protocol keeps inside an inbox.
package enum ProtocolFolder: CaseIterable, Sendable {
    case work, done, failed

    package var name: DropName {
        switch self {
        case .work: .workFolder
        case .done: .doneFolder
        case .failed: .failedFolder
        }
    }
}

/// The directory descriptors the daemon holds for one inbox: the inbox folder, opened once,
/// and `.work/`, `done/`, `failed/` opened relative to it. Every file operation of the drop
/// protocol goes through these descriptors, never through a path, so a folder that a
/// member of the inbox's group renames away and replaces by a symbolic link (or by a folder
/// of their own) can never lead a write out of the inbox: the held descriptor still is the
/// daemon's own folder, wherever it now lies.
///
/// Each descriptor is checked once, when opened (a real folder, not a link, owned by the
/// user narformer runs as). Before each use the name is compared with the held descriptor
/// (device and inode); when they differ the swap is logged and a fresh folder is made,
/// rather than following what now bears the name.
package final class InboxFolders: Sendable {
    /// The inbox folder, as configured.
    package let path: BytePath
    private let pathString: String
    private let logger: Logger
    private let state = Mutex<State>(State())

    private struct State {
        var root: DirectoryHandle?
        var folders: [ProtocolFolder: DirectoryHandle] = [:]
    }

    /// The mode an inbox is created with: group-writable so lab members can drop files,
    /// setgid so dropped files get the inbox's group, and sticky so that a member can
    /// rename or remove only their own files, never the daemon's folders or another
    /// member's drop.
    package static let inboxMode: mode_t = 0o3770
    /// The mode of `.work/`, `done/` and `failed/`: the group may read results, never write.
    package static let folderMode: mode_t = 0o750

    package init(path: String, logger: Logger = Logger(label: "narformer.inbox", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.path = BytePath(path)
        self.pathString = path
        self.logger = logger
    }

    /// Creates the inbox folder with `inboxMode` where it is missing (its parents with the
    /// default mode). An existing folder is left as it is.
    package static func createInbox(atPath path: String) throws(SystemError) {
        // The parents, like mkdir -p (mode 0777 less the umask).
        var parent = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true).dropLast() {
            parent += (parent.isEmpty && !path.hasPrefix("/") ? "" : "/") + component
            if mkdir(parent, 0o777) != 0 && errno != EEXIST {
                throw SystemError("cannot create the folder", path: parent)
            }
        }
        if mkdir(path, inboxMode) != 0 {
            if errno == EEXIST { return }
            throw SystemError("cannot create the inbox folder", path: path)
        }
        // mkdir's mode passes through the umask (the unit's 0027 would take the group's
        // write permission); set it exactly.
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("cannot open the new inbox folder", path: path) }
        defer { close(fd) }
        guard fchmod(fd, inboxMode) == 0 else { throw SystemError("cannot set the mode of the new inbox folder", path: path) }
    }

    /// Creates the inbox where missing, opens it and its three folders (creating them), and
    /// gives an inbox that belongs to narformer the sticky bit if it lacks it. Run once at
    /// start; after that every operation finds the descriptors open.
    package func prepare() throws(SystemError) {
        var status = stat()
        if lstat(pathString, &status) != 0 && errno == ENOENT { try Self.createInbox(atPath: pathString) }
        let root = try root()
        enforceStickyBit(root)
        for folder in ProtocolFolder.allCases { _ = try self.folder(folder) }
    }

    /// Checks that the inbox path still names the folder held open. When it does not (the
    /// inbox was removed, renamed away, or another folder put in its place), logs it at
    /// warning, makes the inbox again where nothing bears its path, and opens and prepares
    /// what now does, like at start. Drops claimed into the old folder's `.work/` stay
    /// there. Returns true when the inbox was (re)opened, so that the caller watches the
    /// new folder; false when the held folder still is the inbox. Throws when the new
    /// folder cannot be used (then the next call tries again).
    package func reopenIfReplaced() throws(SystemError) -> Bool {
        var status = stat()
        let found = path.withCString { lstat($0, &status) } == 0
        let failure = errno
        let current: stat? = found ? status : nil
        let held = state.withLock { state -> DirectoryHandle? in
            guard let root = state.root else { return nil }
            if let current, root.isNamed(by: current) { return root }
            state.root = nil
            state.folders = [:]
            return nil
        }
        if held != nil { return false }
        logger.warning("the inbox folder was removed or replaced; narformer opens the folder at its path again (made anew where missing)", metadata: [
            "folder": "\(path)", "now": "\(Self.describe(current, missing: !found && failure == ENOENT))"])
        if !found && failure == ENOENT { try Self.createInbox(atPath: pathString) }
        try prepare()
        return true
    }

    /// The inbox folder, opened once (not following a link in its place).
    package func root() throws(SystemError) -> DirectoryHandle {
        try state.withLock { state throws(SystemError) in
            if let root = state.root { return root }
            let fd = path.withCString { open($0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            guard fd >= 0 else {
                if errno == ELOOP || errno == ENOTDIR {
                    throw SystemError("the inbox is not a folder (narformer does not follow a symbolic link in place of an inbox):",
                                      path: path.description, code: errno)
                }
                throw SystemError("cannot open the inbox folder", path: path.description)
            }
            var status = stat()
            guard fstat(fd, &status) == 0 else {
                let error = SystemError("cannot look at the inbox folder", path: path.description)
                close(fd)
                throw error
            }
            let root = DirectoryHandle(descriptor: fd, status: status, path: path)
            state.root = root
            return root
        }
    }

    /// `.work/`, `done/` or `failed/`, checked; created (or made again) when missing.
    ///
    /// While the name still is the folder held, that descriptor. When it no longer is
    /// (removed, renamed away, replaced): a symbolic link in its place is removed (the link
    /// itself, never what it points to) and a fresh folder made; a folder of narformer's own
    /// is taken as it is; anything else (a file, a folder of another user) is refused with
    /// an error naming it, and the caller tries again later.
    package func folder(_ folder: ProtocolFolder) throws(SystemError) -> DirectoryHandle {
        // Never nil when `create` is true.
        try self.folder(folder, create: true)!
    }

    /// Like `folder(_:)`, for reading only: nil where the folder is missing or something
    /// else took its place; never creates or removes anything.
    package func existingFolder(_ folder: ProtocolFolder) -> DirectoryHandle? {
        (try? self.folder(folder, create: false)) ?? nil
    }

    private func folder(_ folder: ProtocolFolder, create: Bool) throws(SystemError) -> DirectoryHandle? {
        let root = try root()
        return try state.withLock { state throws(SystemError) -> DirectoryHandle? in
            let display = path.appending(folder.name)
            let (current, failure) = root.status(of: folder.name)
            let missing = current == nil && failure == ENOENT
            if let held = state.folders[folder] {
                if let current, held.isNamed(by: current) { return held }
                state.folders[folder] = nil
                logger.warning("an inbox folder was replaced; narformer does not follow what took its place", metadata: [
                    "folder": "\(display)", "now": "\(Self.describe(current, missing: missing))"])
            }
            if let current, current.st_mode & S_IFMT == S_IFLNK {
                guard create else { return nil }
                // A link where the folder belongs could lead writes anywhere; it holds no
                // data of its own, so it is removed (never followed) and the folder made anew.
                if folder.name.withCString({ unlinkat(root.descriptor, $0, 0) }) != 0 && errno != ENOENT {
                    throw SystemError("a symbolic link took the place of the folder and cannot be removed:", path: display.description)
                }
                logger.warning("removed a symbolic link that took the place of an inbox folder", metadata: [
                    "folder": "\(display)"])
            }
            guard let handle = try openFolder(folder, in: root, create: create) else { return nil }
            state.folders[folder] = handle
            return handle
        }
    }

    /// Opens (and with `create`, first makes) `folder` inside `root` without following a
    /// link, and checks that it is a folder belonging to the user narformer runs as.
    private func openFolder(_ folder: ProtocolFolder, in root: DirectoryHandle, create: Bool) throws(SystemError) -> DirectoryHandle? {
        let display = path.appending(folder.name)
        if create, folder.name.withCString({ mkdirat(root.descriptor, $0, Self.folderMode) }) != 0, errno != EEXIST {
            throw SystemError("cannot create the folder", path: display.description)
        }
        let fd = folder.name.withCString { openat(root.descriptor, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        guard fd >= 0 else {
            if !create { return nil }
            if errno == ENOTDIR || errno == ELOOP {
                throw SystemError("not a folder (a file or a link took its place; remove it):", path: display.description, code: ENOTDIR)
            }
            throw SystemError("cannot open the folder", path: display.description)
        }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let error = SystemError("cannot look at the folder", path: display.description)
            close(fd)
            throw error
        }
        guard status.st_uid == geteuid() else {
            close(fd)
            if !create { return nil }
            throw SystemError("not narformer's own folder (it belongs to user id \(status.st_uid), narformer runs as \(geteuid())); move it out of the way and narformer makes a new one:",
                              path: display.description, code: EPERM)
        }
        return DirectoryHandle(descriptor: fd, status: status, path: display)
    }

    /// Without the sticky bit any member of the inbox's group can rename the daemon's
    /// folders and other members' drops. An inbox narformer owns gets it; for one it does
    /// not own, the log says what to do.
    private func enforceStickyBit(_ root: DirectoryHandle) {
        var status = stat()
        guard fstat(root.descriptor, &status) == 0, status.st_mode & mode_t(S_ISVTX) == 0 else { return }
        let mode = String(status.st_mode & 0o7777, radix: 8)
        if status.st_uid == geteuid(), fchmod(root.descriptor, (status.st_mode & 0o7777) | mode_t(S_ISVTX)) == 0 {
            logger.notice("gave the inbox folder the sticky bit, so that lab members cannot rename narformer's folders or each other's files", metadata: [
                "folder": "\(path)", "mode": "\(mode) -> \(String((status.st_mode & 0o7777) | mode_t(S_ISVTX), radix: 8))"])
        } else {
            logger.warning("the inbox folder lacks the sticky bit: any member of its group can rename narformer's folders and other members' files; set it with chmod +t", metadata: [
                "folder": "\(path)", "mode": "\(mode)"])
        }
    }

    private static func describe(_ status: stat?, missing: Bool) -> String {
        guard let status else { return missing ? "nothing (removed or renamed away)" : "cannot be looked at" }
        switch status.st_mode & S_IFMT {
        case S_IFLNK: return "a symbolic link"
        case S_IFDIR: return status.st_uid == geteuid() ? "another folder" : "a folder of user id \(status.st_uid)"
        case S_IFREG: return "a file"
        default: return "a special file"
        }
    }
}
