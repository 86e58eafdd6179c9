import Foundation
import Glibc
import Synchronization

/// Watches inbox folders with inotify and reports the names that arrive.
///
/// One thread blocks in poll(2) on the inotify descriptor (and on a pipe that `stop()`
/// writes to) and yields events into an AsyncStream; it never touches the files. Watched
/// events: IN_CLOSE_WRITE (a file written in place and closed), IN_MOVED_TO (a file
/// renamed in: the atomic way to drop) and IN_CREATE (anything made in place: a regular
/// file among them is still being written, and is reported again when it is closed).
/// IN_Q_OVERFLOW, when the kernel dropped events, asks for a rescan of every inbox.
/// IN_DELETE_SELF, IN_MOVE_SELF and IN_IGNORED (the inbox folder was removed, renamed
/// away or unmounted) end the folder's watch and report it lost. The folder above each
/// inbox is watched too, for the inbox's own name only: a removal shows there at once
/// (IN_DELETE), while the folder's own IN_DELETE_SELF waits until the daemon lets go of
/// its open descriptor; a folder renamed or made in its place shows as IN_MOVED_FROM,
/// IN_MOVED_TO or IN_CREATE. `rewatch(inbox:)` watches whatever folder then bears the path.
package final class InboxWatcher: Sendable {
    package enum Event: Sendable, Equatable {
        /// A name appeared in inbox number `inbox` (not yet filtered): renamed in, or
        /// written in place and closed.
        case arrived(inbox: Int, name: DropName)
        /// A name was created in place in inbox number `inbox`: a folder, a link, a fifo,
        /// or a regular file that may still be being written.
        case created(inbox: Int, name: DropName)
        /// The folder of inbox number `inbox` was removed, renamed away, replaced or
        /// unmounted: the folder at its path may no longer be the one watched.
        case lost(inbox: Int)
        /// Events may have been lost: scan every inbox.
        case rescanAll
    }

    package let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let inotifyFD: Int32
    private let stopPipe: (read: Int32, write: Int32)
    private let folders: [String]
    private let watches: Mutex<Watches>

    private struct Watches {
        /// Watch descriptor of an inbox folder -> inbox number; changed when a folder is
        /// lost or watched again.
        var inboxes: [Int32: Int] = [:]
        /// Watch descriptor of a folder holding inboxes -> the inboxes' names in it.
        var parents: [Int32: [(name: [UInt8], inbox: Int)]] = [:]
    }

    private static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
        | UInt32(IN_EXCL_UNLINK)
    private static let parentMask = UInt32(IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_ONLYDIR)

    /// Starts watching; throws if any folder cannot be watched. The inboxes numbered in
    /// `polled` are not watched (they are scanned on a timer instead); the numbers of the
    /// others are still their index in `folders`.
    package init(folders: [String], polled: Set<Int> = []) throws(SystemError) {
        let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw SystemError("cannot start inotify for", path: folders.joined(separator: ", ")) }
        var watches = Watches()
        for (index, folder) in folders.enumerated() where !polled.contains(index) {
            let wd = inotify_add_watch(fd, folder, Self.mask)
            guard wd >= 0 else {
                let error = SystemError("cannot watch the inbox folder", path: folder)
                close(fd)
                throw error
            }
            watches.inboxes[wd] = index
            Self.watchParent(of: folder, inbox: index, fd: fd, in: &watches)
        }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else {
            let error = SystemError("cannot create a pipe for", path: "the inbox watcher")
            close(fd)
            throw error
        }
        for end in pipeFDs { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        self.inotifyFD = fd
        self.stopPipe = (pipeFDs[0], pipeFDs[1])
        self.folders = folders
        self.watches = Mutex(watches)
        (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let thread = Thread { [self] in readLoop() }
        thread.name = "inbox-watcher"
        thread.start()
    }

    /// Ends the stream; the watcher thread exits. Call it once the watcher is not needed:
    /// the thread keeps the watcher alive until then.
    package func stop() {
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
    }

    /// Watches the folder that now bears the path of inbox number `inbox` (after `.lost`,
    /// once it was made again), in place of any earlier watch of that inbox.
    package func rewatch(inbox: Int) throws(SystemError) {
        let wd = inotify_add_watch(inotifyFD, folders[inbox], Self.mask)
        guard wd >= 0 else { throw SystemError("cannot watch the inbox folder", path: folders[inbox]) }
        watches.withLock { watches in
            for (old, index) in watches.inboxes where index == inbox && old != wd {
                watches.inboxes[old] = nil
                // Its IN_IGNORED then finds no inbox and is passed over.
                inotify_rm_watch(inotifyFD, old)
            }
            watches.inboxes[wd] = inbox
            Self.watchParent(of: folders[inbox], inbox: inbox, fd: inotifyFD, in: &watches)
        }
    }

    /// Whether inbox number `inbox` is being watched now.
    package func isWatching(inbox: Int) -> Bool {
        watches.withLock { $0.inboxes.values.contains(inbox) }
    }

    /// Watches the folder above `folder` for the inbox's name. Best effort: where it cannot
    /// be watched, a removed inbox is noticed by its own events or by the periodic scan.
    private static func watchParent(of folder: String, inbox: Int, fd: Int32, in watches: inout Watches) {
        let parts = folder.split(separator: "/", omittingEmptySubsequences: true)
        guard let last = parts.last else { return }
        let parent = (folder.hasPrefix("/") ? "/" : "") + parts.dropLast().joined(separator: "/")
        let wd = inotify_add_watch(fd, parent.isEmpty ? "." : parent, parentMask)
        guard wd >= 0 else { return }
        let name = Array(last.utf8)
        var entries = watches.parents[wd] ?? []
        if !entries.contains(where: { $0.inbox == inbox }) { entries.append((name, inbox)) }
        watches.parents[wd] = entries
    }

    deinit {
        // Closed only here, after the thread is gone, so stop() never writes to a closed pipe.
        close(inotifyFD)
        close(stopPipe.read)
        close(stopPipe.write)
    }

    private func readLoop() {
        defer { continuation.finish() }
        // Room for many events per read(2); names are at most NAME_MAX + 1 bytes.
        let capacity = 64 * (MemoryLayout<inotify_event>.size + Int(NAME_MAX) + 1)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: MemoryLayout<inotify_event>.alignment)
        defer { buffer.deallocate() }
        var fds = [pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0)]
        while true {
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }
            while true {
                let count = read(inotifyFD, buffer, capacity)
                if count <= 0 { break }
                parse(buffer, count: count)
            }
        }
    }

    private func parse(_ buffer: UnsafeMutableRawPointer, count: Int) {
        var offset = 0
        let header = MemoryLayout<inotify_event>.size
        while offset + header <= count {
            let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
            let nameStart = buffer + offset + header
            offset += header + Int(event.len)
            if event.mask & UInt32(IN_Q_OVERFLOW) != 0 {
                continuation.yield(.rescanAll)
                continue
            }
            let raw = UnsafeRawBufferPointer(start: nameStart, count: Int(event.len))
            let name = DropName(bytes: Array(raw.prefix { $0 != 0 }))
            let gone = UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)
            let (watched, lost): (Int?, [Int]) = watches.withLock { watches in
                if let inbox = watches.inboxes[event.wd] {
                    guard event.mask & gone != 0 else { return (inbox, []) }
                    watches.inboxes[event.wd] = nil
                    // A folder renamed away is still watched where it went: stop that.
                    if event.mask & UInt32(IN_MOVE_SELF) != 0 { inotify_rm_watch(inotifyFD, event.wd) }
                    return (nil, [inbox])
                }
                if event.mask & UInt32(IN_IGNORED) != 0 {
                    watches.parents[event.wd] = nil
                    return (nil, [])
                }
                let parents = watches.parents[event.wd] ?? []
                let gone = parents.filter { $0.name == name.bytes }.map(\.inbox)
                // The inbox's name left its parent (removed or renamed away): its own watch
                // ends now, so the inbox is not reported watched between this event and its own
                // IN_MOVE_SELF/IN_IGNORED (which then find no inbox and are passed over). A name
                // arriving (made again, renamed into place) leaves a watch made since alone.
                if event.mask & UInt32(IN_DELETE | IN_MOVED_FROM) != 0 {
                    for (wd, inbox) in watches.inboxes where gone.contains(inbox) {
                        watches.inboxes[wd] = nil
                        inotify_rm_watch(inotifyFD, wd)
                    }
                }
                return (nil, gone)
            }
            for inbox in lost { continuation.yield(.lost(inbox: inbox)) }
            guard let inbox = watched, event.len > 0 else { continue }
            continuation.yield(event.mask & UInt32(IN_CREATE) != 0
                ? .created(inbox: inbox, name: name) : .arrived(inbox: inbox, name: name))
        }
    }
}
