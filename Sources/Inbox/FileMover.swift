import Glibc

/// The one file-system operation whose failure the pipeline must survive: renaming a drop
/// (claim, done, failed). Injectable so tests can make it fail the way a full or read-only
/// disk would, which permission tricks cannot do for root.
package struct FileMover: Sendable {
    /// Renames `from` to `to`, never replacing an existing `to`.
    package var move: @Sendable (_ from: BytePath, _ to: BytePath) throws(SystemError) -> Void

    package init(move: @escaping @Sendable (_ from: BytePath, _ to: BytePath) throws(SystemError) -> Void) {
        self.move = move
    }

    package static let posix = FileMover { from, to throws(SystemError) in
        let result = from.withCString { source in
            to.withCString { target in renameNoReplace(source, target) }
        }
        if result != 0 { throw SystemError("cannot move \(from) to", path: to.description) }
    }
}

private typealias RenameAt2 = @convention(c) (
    Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

/// glibc's renameat2 is not in the Swift Glibc module; look it up once at run time.
private let renameAt2: RenameAt2? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2")
    .map { unsafeBitCast($0, to: RenameAt2.self) }

/// rename(2) that fails with EEXIST instead of replacing. Falls back to check-then-rename
/// (safe here because the daemon is the only writer of `.work/`, `done/`, `failed/`) where
/// the kernel or file system lacks RENAME_NOREPLACE.
private func renameNoReplace(_ source: UnsafePointer<CChar>, _ target: UnsafePointer<CChar>) -> Int32 {
    let noReplace: UInt32 = 1  // RENAME_NOREPLACE from linux/fs.h
    if let renameAt2 {
        let result = renameAt2(AT_FDCWD, source, AT_FDCWD, target, noReplace)
        if result == 0 || (errno != EINVAL && errno != ENOSYS) { return result }
    }
    var status = stat()
    if lstat(target, &status) == 0 {
        errno = EEXIST
        return -1
    }
    return rename(source, target)
}
