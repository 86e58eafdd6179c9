import Glibc

/// The one file-system operation whose failure the pipeline must survive: renaming a drop
/// (claim, done, failed). Injectable so tests can make it fail the way a full or read-only
/// disk would, which permission tricks cannot do for root.
package struct FileMover: Sendable {
    /// A name inside a folder held open by the daemon.
    package struct Location: Sendable, CustomStringConvertible {
        package var folder: DirectoryHandle
        package var name: DropName

        package init(_ folder: DirectoryHandle, _ name: DropName) {
            self.folder = folder
            self.name = name
        }

        /// The path it had when the folder was opened, for messages.
        package var path: BytePath { folder.path.appending(name) }
        package var description: String { path.description }
    }

    /// Renames `from` to `to` (relative to their folders' descriptors), never replacing an
    /// existing `to`.
    package var move: @Sendable (_ from: Location, _ to: Location) throws(SystemError) -> Void

    package init(move: @escaping @Sendable (_ from: Location, _ to: Location) throws(SystemError) -> Void) {
        self.move = move
    }

    package static let posix = FileMover { from, to throws(SystemError) in
        let result = from.name.withCString { source in
            to.name.withCString { target in
                renameNoReplace(from.folder.descriptor, source, to.folder.descriptor, target)
            }
        }
        if result != 0 { throw SystemError("cannot move \(from) to", path: to.description) }
    }
}

private typealias RenameAt2 = @convention(c) (
    Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

/// glibc's renameat2 is not in the Swift Glibc module; look it up once at run time.
private let renameAt2: RenameAt2? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2")
    .map { unsafeBitCast($0, to: RenameAt2.self) }

/// renameat(2) that fails with EEXIST instead of replacing. Falls back to check-then-rename
/// where the kernel or file system lacks RENAME_NOREPLACE: safe here because only the
/// daemon writes into `.work/`, `done/` and `failed/` (mode 0750, the group cannot).
private func renameNoReplace(_ sourceFolder: Int32, _ source: UnsafePointer<CChar>,
                             _ targetFolder: Int32, _ target: UnsafePointer<CChar>) -> Int32 {
    let noReplace: UInt32 = 1  // RENAME_NOREPLACE from linux/fs.h
    if let renameAt2 {
        let result = renameAt2(sourceFolder, source, targetFolder, target, noReplace)
        if result == 0 || (errno != EINVAL && errno != ENOSYS) { return result }
    }
    var status = stat()
    if fstatat(targetFolder, target, &status, AT_SYMLINK_NOFOLLOW) == 0 {
        errno = EEXIST
        return -1
    }
    return renameat(sourceFolder, source, targetFolder, target)
}
