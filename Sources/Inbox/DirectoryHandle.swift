import Glibc

/// An open directory descriptor with the device and inode it was checked as.
///
/// Handed out as a reference: a folder that is replaced while a filing is under way keeps
/// its descriptor until that filing lets go of it, so a descriptor number is never closed
/// and reused underneath a caller.
package final class DirectoryHandle: Sendable {
    package let descriptor: Int32
    package let device: UInt64
    package let inode: UInt64
    /// Where it was opened, for messages (it may have been renamed since).
    package let path: BytePath

    /// Takes ownership of `descriptor`, which `status` (its fstat) describes.
    init(descriptor: Int32, status: stat, path: BytePath) {
        self.descriptor = descriptor
        self.device = UInt64(status.st_dev)
        self.inode = UInt64(status.st_ino)
        self.path = path
    }

    deinit { close(descriptor) }

    /// Whether `status` (an lstat of a name) is this very folder.
    func isNamed(by status: stat) -> Bool {
        UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// The names in this folder except `.` and `..`, sorted by bytes. Lists through a
    /// descriptor of its own (openat "."): a shared one would share the read position with
    /// a listing running at the same time.
    package func names() throws(SystemError) -> [DropName] {
        let listing = openat(descriptor, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard listing >= 0, let dir = fdopendir(listing) else {
            let error = SystemError("cannot list", path: path.description)
            if listing >= 0 { close(listing) }
            throw error
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

    /// lstat of `name` inside this folder, or nil and the errno of the failure.
    package func status(of name: DropName) -> (status: stat?, errno: Int32) {
        var status = stat()
        let result = name.withCString { fstatat(descriptor, $0, &status, AT_SYMLINK_NOFOLLOW) }
        return result == 0 ? (status, 0) : (nil, errno)
    }
}

extension DropName {
    package func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        let terminated = bytes.map { CChar(bitPattern: $0) } + [0]
        return try terminated.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}
