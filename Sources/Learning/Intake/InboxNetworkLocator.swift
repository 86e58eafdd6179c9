import Foundation
import Glibc

/// Finds the network file a measurement names, inside the measurement's own inbox only.
///
/// A name is a plain file name: anything with `/` or `..` could reach another inbox or the
/// rest of the disk, so it is refused before the file system is asked. A file that is a
/// symbolic link is followed only when it ends inside the inbox.
package struct InboxNetworkLocator: Sendable {
    package enum Lookup: Sendable, Equatable {
        case found(URL)
        /// Not in the inbox (yet): the measurement waits for it.
        case notYet
        /// The name or the file must not be used; the reason says why.
        case refused(String)
    }

    /// The inbox folder.
    package var inboxPath: String

    /// Looks in `done/` (already processed), the inbox itself (waiting) and `.work/` (being
    /// processed in this same round), in that order.
    package func locate(_ name: String) -> Lookup {
        if name.contains("/") || name.contains("..") || name.contains("\0") || name.isEmpty || name == "." {
            return .refused("'\(name)' is not a plain file name; name a file in this inbox without '/' or '..'")
        }
        guard let inboxReal = realPath(inboxPath) else { return .notYet }
        for folder in ["done", "", ".work"] {
            let path = folder.isEmpty ? inboxPath + "/" + name : inboxPath + "/" + folder + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let type = info.st_mode & S_IFMT
            if type == S_IFLNK {
                guard let target = realPath(path), target.hasPrefix(inboxReal + "/") else {
                    return .refused("'\(name)' is a symbolic link that leads out of the inbox; copy the file itself into the inbox")
                }
                var targetInfo = stat()
                guard stat(target, &targetInfo) == 0, targetInfo.st_mode & S_IFMT == S_IFREG else {
                    return .refused("'\(name)' is a symbolic link to something that is not a file")
                }
                return .found(URL(fileURLWithPath: target))
            }
            guard type == S_IFREG else {
                return .refused("'\(name)' is not a regular file")
            }
            return .found(URL(fileURLWithPath: path))
        }
        return .notYet
    }

    private func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
