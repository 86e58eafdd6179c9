import Foundation
import Glibc

/// What the running daemon says about itself in `<store>/status.json`, rewritten every
/// second (atomically) by `StatusFileService` and read by `narformer status`.
struct DaemonStatus: Codable, Sendable {
    struct Inbox: Codable, Sendable {
        var name: String
        var path: String
        var platform: String
        var batchSizes: [Int]
    }

    struct Counters: Codable, Sendable {
        var done: Int
        var failed: Int
        var held: Int
        var changing: Int
        var moveErrors: Int
        var queueDepth: Int
    }

    struct Model: Codable, Sendable {
        var platform: String
        var version: Int
        var checkpoint: String
    }

    var pid: Int32
    var running: Bool
    var startedAt: Date
    var updatedAt: Date
    var configFile: String
    var inboxes: [Inbox]
    var counters: Counters
    var latencyModels: [Model]
    var accuracyModel: Model?

    static let fileName = "status.json"

    static func path(storePath: String) -> String { storePath + "/" + fileName }

    /// Reads the status file; nil when there is none or it is unreadable (never ran).
    static func read(storePath: String) -> DaemonStatus? {
        guard let data = FileManager.default.contents(atPath: path(storePath: storePath)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(DaemonStatus.self, from: data)
    }

    func write(storePath: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(fileURLWithPath: Self.path(storePath: storePath)), options: .atomic)
    }

    /// True when the file says running, its process exists, and it was refreshed lately
    /// (a daemon killed with SIGKILL leaves `running: true` behind, but stops refreshing).
    var isLive: Bool {
        guard running, kill(pid, 0) == 0 || errno == EPERM else { return false }
        return Date().timeIntervalSince(updatedAt) < 10
    }
}
