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

    /// Platforms (among `platforms`) with a request waiting, each with its request id
    /// (empty for a request made with `touch`).
    package func pending(among platforms: [String]) -> [(platform: String, id: String)] {
        platforms.compactMap { platform in
            guard let data = FileManager.default.contents(atPath: requestURL(platform: platform).path) else { return nil }
            let id = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            return (platform, id)
        }
    }

    /// Removes the request, so a second one filed during the retrain is kept for later.
    package func take(platform: String, id: String) {
        let url = requestURL(platform: platform)
        guard let data = FileManager.default.contents(atPath: url.path),
              (String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "") == id else { return }
        unlink(url.path)
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
