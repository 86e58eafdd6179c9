import Foundation
import Glibc

/// Puts a file in place so that after a crash or power cut either the old state or the
/// whole new file is there: write a temporary file beside it, fsync it, rename it over the
/// final name, fsync the folder.
package enum DurableFile {
    package struct Failure: Error, CustomStringConvertible {
        package var path: String
        package var problem: String
        package var description: String { "\(path): \(problem)" }
    }

    /// `write` fills the temporary file (its URL is given); then it is made durable and
    /// renamed to `destination`.
    package static func place(at destination: URL, write: (URL) throws -> Void) throws {
        let folder = destination.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try write(temporary)
            try sync(temporary.path, directory: false)
            guard rename(temporary.path, destination.path) == 0 else {
                throw Failure(path: destination.path, problem: "cannot be renamed into place: \(String(cString: strerror(errno)))")
            }
            try sync(folder.path, directory: true)
        } catch {
            unlink(temporary.path)
            throw error
        }
    }

    /// Removes temporary files left by a process killed in `place`.
    package static func removeLeftovers(in folder: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            unlink(folder.appendingPathComponent(name).path)
        }
    }

    private static func sync(_ path: String, directory: Bool) throws {
        let fd = open(path, directory ? O_RDONLY | O_DIRECTORY : O_RDONLY)
        guard fd >= 0 else { throw Failure(path: path, problem: "cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(path: path, problem: "fsync failed: \(String(cString: strerror(errno)))") }
    }
}
