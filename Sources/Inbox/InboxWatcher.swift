import Foundation
import Glibc

/// Watches inbox folders with inotify and reports the names that arrive.
///
/// One thread blocks in poll(2) on the inotify descriptor (and on a pipe that `stop()`
/// writes to) and yields events into an AsyncStream; it never touches the files. Watched
/// events: IN_CLOSE_WRITE (a file written in place and closed) and IN_MOVED_TO (a file
/// renamed in: the atomic way to drop). IN_Q_OVERFLOW, when the kernel dropped events,
/// asks for a rescan of every inbox.
package final class InboxWatcher: Sendable {
    package enum Event: Sendable, Equatable {
        /// A name appeared in inbox number `inbox` (not yet filtered).
        case arrived(inbox: Int, name: DropName)
        /// Events may have been lost: scan every inbox.
        case rescanAll
    }

    package let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let inotifyFD: Int32
    private let stopPipe: (read: Int32, write: Int32)
    private let watches: [Int32: Int]

    /// Starts watching; throws if any folder cannot be watched.
    package init(folders: [String]) throws(SystemError) {
        let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw SystemError("cannot start inotify for", path: folders.joined(separator: ", ")) }
        var watches: [Int32: Int] = [:]
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR) | UInt32(IN_EXCL_UNLINK)
        for (index, folder) in folders.enumerated() {
            let wd = inotify_add_watch(fd, folder, mask)
            guard wd >= 0 else {
                let error = SystemError("cannot watch the inbox folder", path: folder)
                close(fd)
                throw error
            }
            watches[wd] = index
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
        self.watches = watches
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
            guard let inbox = watches[event.wd], event.len > 0 else { continue }
            let raw = UnsafeRawBufferPointer(start: nameStart, count: Int(event.len))
            let name = DropName(bytes: Array(raw.prefix { $0 != 0 }))
            continuation.yield(.arrived(inbox: inbox, name: name))
        }
    }
}
