import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension NetworkImporter {
    /// Why the path cannot be a network file, told before it is opened (symbolic links
    /// followed, as opening would): no such file, a folder, a named pipe, a device. Opened
    /// blindly, a folder or a pipe fails with the platform's generic message (a pipe as "you
    /// don't have permission"), and a pipe with a writer could block the read. Nil for a
    /// regular file.
    static func fileTypeProblem(atPath path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            return code == ENOENT ? "there is no such file" : "cannot read the file: \(String(cString: strerror(code)))"
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "this is a folder, not a network file (give an .onnx or graph .json file)"
        case S_IFIFO: return "this is a named pipe, not a regular file"
        case S_IFSOCK: return "this is a socket, not a regular file"
        case S_IFCHR, S_IFBLK: return "this is a device, not a regular file"
        default: return "this is not a regular file"
        }
    }
}
