import Foundation
import Glibc
import Store

/// How `narformer retrain` asks the running daemon for a retrain: a request file
/// `<store>/control/retrain-<platform>` that the scheduler picks up at its next poll (about
/// a second), and an answer file `retrain-<platform>.answer` it writes when done.
///
/// Files rather than a socket: a request survives a daemon restart (it is picked up at the
/// next start), needs no listener of its own, and works from a shell (`touch`). Both
/// files are written under a temporary name and renamed, so neither side sees half a file.
/// A request stays filed while its retrain runs and is removed only after its answer is
/// written, so a daemon stopped or killed mid-retrain serves it again at its next start.
package struct RetrainControl: Sendable {
    package var directory: URL

    package init(storePath: String) {
        directory = StoreFolder(path: storePath).control
    }

    package func requestURL(platform: String) -> URL {
        directory.appendingPathComponent("retrain-\(platform)")
    }

    package func answerURL(platform: String) -> URL {
        directory.appendingPathComponent("retrain-\(platform).answer")
    }

    /// Files a request; returns its id, which the answer repeats on its first line.
    @discardableResult
    package func request(platform: String) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let id = UUID().uuidString
        try Data("\(id)\n".utf8).write(to: requestURL(platform: platform), options: .atomic)
        return id
    }

    /// A request waiting in the control folder.
    package struct Request: Sendable, Equatable {
        package var platform: String
        /// The request's id (empty for a request made with `touch`).
        package var id: String
        /// When the request file was last written.
        package var filed: Date?
    }

    /// Platforms (among `platforms`) with a request waiting, each with its request id
    /// (empty for a request made with `touch`).
    package func pending(among platforms: [String]) -> [Request] {
        platforms.compactMap { platform in
            let path = requestURL(platform: platform).path
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            return Request(platform: platform, id: Self.firstLine(data), filed: Self.modified(path))
        }
    }

    /// Whether `request` has its answer already: the answer file repeats its id (for a
    /// request made with `touch`, which has none, an answer written after the request was).
    /// Such a request outlived its answer (the daemon stopped between writing the answer and
    /// removing the request) and is removed, not served again.
    package func isAnswered(_ request: Request) -> Bool {
        let path = answerURL(platform: request.platform).path
        guard let data = FileManager.default.contents(atPath: path), Self.firstLine(data) == request.id else { return false }
        guard request.id.isEmpty else { return true }
        guard let filed = request.filed, let answered = Self.modified(path) else { return false }
        return answered >= filed
    }

    /// Removes `request` once it is answered; a new request filed meanwhile (another id)
    /// is kept for later.
    package func remove(_ request: Request) {
        let url = requestURL(platform: request.platform)
        guard let data = FileManager.default.contents(atPath: url.path), Self.firstLine(data) == request.id else { return }
        unlink(url.path)
    }

    private static func firstLine(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
    }

    private static func modified(_ path: String) -> Date? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
    }

    package func answer(platform: String, id: String, summary: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data("\(id)\n\(summary)\n".utf8).write(to: answerURL(platform: platform), options: .atomic)
    }

    /// The answer to request `id`, when there is one.
    package func answer(platform: String, id: String) -> String? {
        guard let data = FileManager.default.contents(atPath: answerURL(platform: platform).path) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first.map(String.init) == id else { return nil }
        return lines.dropFirst().joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
