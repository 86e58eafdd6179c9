import Foundation
import Glibc

/// Reads a file named inside a held folder the only way an inbox may be read: opened
/// relative to the folder's descriptor without following a link (O_NOFOLLOW), without
/// blocking on a fifo (O_NONBLOCK) or taking a terminal (O_NOCTTY), checked on the opened
/// descriptor (a regular file with exactly one link, within a size limit) and read from
/// that same descriptor. Whatever the name leads to after the check, a link or a fifo
/// swapped in, is never read: the check and the read are of one open file.
package enum SafeFile {
    /// Why a file is not read at all.
    package enum Refusal: Sendable, Equatable {
        case symbolicLink, folder, fifo, socket, device
        case hardLink
        case tooLarge(size: Int64, limit: Int64)
        case notReadable
        /// Its first bytes already show it is not what its kind says (`OpeningCheck`).
        case content(String)

        /// In words for the person who dropped the file.
        package var reason: String {
            switch self {
            case .symbolicLink: "The file is a symbolic link. narformer never follows links out of an inbox; copy the file itself into the inbox."
            case .folder: "This is a folder, not a file. Drop the files inside it one by one."
            case .fifo: "This is a named pipe (fifo), not a file. Drop a regular file."
            case .socket: "This is a socket, not a file. Drop a regular file."
            case .device: "This is a device, not a file. Drop a regular file."
            case .hardLink: "The file is a hard link to another file, which narformer does not accept from an inbox. Copy the file into the inbox instead of linking it."
            case .tooLarge(let size, let limit):
                "The file is \(bytesInWords(size)), more than the \(bytesInWords(limit)) this inbox accepts."
            case .notReadable:
                "narformer is not allowed to read this file. Make it readable for the narformer group (for example chmod g+r) and drop it again."
            case .content(let problem): problem
            }
        }

        init?(type: mode_t) {
            switch type {
            case S_IFREG: return nil
            case S_IFLNK: self = .symbolicLink
            case S_IFDIR: self = .folder
            case S_IFIFO: self = .fifo
            case S_IFSOCK: self = .socket
            default: self = .device
            }
        }
    }

    /// What was read, and the identity of the file it was read from.
    package struct Contents: Sendable {
        package var data: Data
        package var identity: FileIdentity
        /// The file's inode change time: when it was last renamed (claimed, filed).
        package var changedAt: Date
    }

    package enum Outcome: Sendable {
        case read(Contents)
        /// No such name.
        case missing
        /// Never to be read; the refusal says why.
        case refused(Refusal)
        /// Not now: the file changed while it was read, or the system failed (EIO,
        /// EMFILE...). Try again later.
        case unavailable(String)
    }

    /// Reads `name` inside `folder`. `opening` looks at the first bytes before the rest is
    /// read. `afterReading` runs between the read and the second fstat (tests play a writer
    /// there).
    package static func read(_ name: DropName, in folder: DirectoryHandle, maxBytes: Int64, opening: OpeningCheck? = nil,
                             afterReading: (@Sendable (BytePath) -> Void)? = nil) -> Outcome {
        let path = folder.path.appending(name)
        // A first look without opening: a device is never opened (opening some has effects).
        let (before, failure) = folder.status(of: name)
        guard let before else {
            return failure == ENOENT ? .missing : .unavailable(SystemError("cannot look at", path: path.description, code: failure).description)
        }
        if let refusal = Refusal(type: before.st_mode & S_IFMT) { return .refused(refusal) }
        let fd = name.withCString { openat(folder.descriptor, $0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) }
        if fd < 0 {
            switch errno {
            case ELOOP: return .refused(.symbolicLink)
            case ENOENT: return .missing
            case EACCES, EPERM: return .refused(.notReadable)
            // EMFILE, EIO...: a problem on our side, not the file's.
            default: return .unavailable(SystemError("cannot open", path: path.description).description)
            }
        }
        defer { close(fd) }
        var opened = stat()
        guard fstat(fd, &opened) == 0 else {
            return .unavailable(SystemError("cannot look at", path: path.description).description)
        }
        // The checks that count are these, on the descriptor: the name may have been
        // swapped since the first look.
        if let refusal = Refusal(type: opened.st_mode & S_IFMT) { return .refused(refusal) }
        if opened.st_nlink > 1 { return .refused(.hardLink) }
        if Int64(opened.st_size) > maxBytes { return .refused(.tooLarge(size: Int64(opened.st_size), limit: maxBytes)) }
        let identity = FileIdentity(opened)
        // One buffer for the whole file: the opening is its first bytes, read once.
        var data = Data(count: max(Int(opened.st_size), 0) + 1)
        var total = 0
        if let opening, opening.bytes > 0, opened.st_size > 0 {
            guard let count = readBytes(fd, into: &data, from: 0, upTo: min(opening.bytes, Int(opened.st_size))) else {
                return .unavailable(SystemError("cannot read", path: path.description).description)
            }
            if let problem = data.withUnsafeBytes({ opening.problem(UnsafeRawBufferPointer(rebasing: $0[..<count]), Int64(opened.st_size)) }) {
                return .refused(.content(problem))
            }
            total = count
        }
        guard readRest(fd, into: &data, from: total, limit: maxBytes) else {
            return .unavailable(SystemError("cannot read", path: path.description).description)
        }
        afterReading?(path)
        var after = stat()
        guard fstat(fd, &after) == 0, FileIdentity(after).sameContent(as: identity), Int64(data.count) == identity.size else {
            return .unavailable("The file changed while it was being read (it is probably still being written).")
        }
        let changedAt = Date(timeIntervalSince1970: TimeInterval(opened.st_ctim.tv_sec) + TimeInterval(opened.st_ctim.tv_nsec) / 1e9)
        return .read(Contents(data: data, identity: identity, changedAt: changedAt))
    }

    package static func bytesInWords(_ bytes: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }

    /// Reads into `data` from byte `start` until it holds `end` bytes or the file ends.
    /// The count it holds then; nil on a read error.
    private static func readBytes(_ fd: Int32, into data: inout Data, from start: Int, upTo end: Int) -> Int? {
        var total = start
        while total < end {
            let count = data.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress! + total, end - total)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            total += count
        }
        return total
    }

    /// Reads to the end after the `start` bytes `data` holds (at most `limit + 1` bytes in
    /// all, so growth past the limit is noticed), growing `data` as needed and cutting it to
    /// what was read. False on a read error.
    private static func readRest(_ fd: Int32, into data: inout Data, from start: Int, limit: Int64) -> Bool {
        var total = start
        while true {
            if total == data.count {
                if Int64(total) > limit { break }
                data.count += max(4096, total)
            }
            guard let count = readBytes(fd, into: &data, from: total, upTo: data.count) else { return false }
            if count == total { break }
            total = count
        }
        data.count = total
        return true
    }
}
