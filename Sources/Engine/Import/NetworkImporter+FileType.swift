import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension NetworkImporter {
    /// The size of the regular file at `path` (symbolic links followed, as opening would),
    /// or an error telling why the path cannot be a network file, before anything opens it:
    /// no such file, a folder, a named pipe, a device. Opened blindly, a folder or a pipe
    /// fails with the platform's generic message (a pipe as "you don't have permission"), and
    /// a pipe with a writer could block the read.
    static func regularFileSize(atPath path: String, name: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            throw ImportError(.unreadable, file: name, code == ENOENT ? "there is no such file"
                                                                      : "cannot read the file: \(String(cString: strerror(code)))")
        }
        let problem: String
        switch info.st_mode & S_IFMT {
        case S_IFREG: return Int(info.st_size)
        case S_IFDIR: problem = "this is a folder, not a network file (give an .onnx or graph .json file)"
        case S_IFIFO: problem = "this is a named pipe, not a regular file"
        case S_IFSOCK: problem = "this is a socket, not a regular file"
        case S_IFCHR, S_IFBLK: problem = "this is a device, not a regular file"
        default: problem = "this is not a regular file"
        }
        throw ImportError(.unreadable, file: name, problem)
    }
}
