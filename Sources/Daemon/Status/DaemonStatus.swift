import Engine
import Foundation
import Glibc
import Store

/// What the running daemon says about itself in `<store>/status.json`, rewritten every
/// second (atomically) by `StatusFileService` and read by `narformer status`.
package struct DaemonStatus: Codable, Sendable {
    package struct Inbox: Codable, Sendable {
        package var name: String
        package var path: String
        package var platform: String
        package var batchSizes: [Int]
    }

    package struct Counters: Codable, Sendable {
        package var done: Int
        package var failed: Int
        package var held: Int
        package var changing: Int
        package var moveErrors: Int
        package var queueDepth: Int
    }

    package struct Model: Codable, Sendable {
        package var platform: String
        package var version: Int
        package var checkpoint: String
    }

    package var pid: Int32
    package var running: Bool
    package var startedAt: Date
    package var updatedAt: Date
    package var configFile: String
    package var inboxes: [Inbox]
    package var counters: Counters
    package var latencyModels: [Model]
    package var accuracyModel: Model?
    /// The OpenBLAS kernel set the daemon computes with, how it was chosen, its sgemm rate.
    package var blas: BLASKernelReport?


    package static func path(storePath: String) -> String { StoreFolder(path: storePath).statusFile.path }

    /// Reads the status file; nil when there is none or it is unreadable (never ran).
    package static func read(storePath: String) -> DaemonStatus? {
        guard let data = FileManager.default.contents(atPath: path(storePath: storePath)) else { return nil }
        return try? StoreJSON.decoder().decode(DaemonStatus.self, from: data)
    }

    package func write(storePath: String) throws {
        try StoreJSON.encode(self).write(to: URL(fileURLWithPath: Self.path(storePath: storePath)), options: .atomic)
    }

    /// True when the file says running, its process exists, and it was refreshed lately
    /// (a daemon killed with SIGKILL leaves `running: true` behind, but stops refreshing).
    package var isLive: Bool {
        guard running, kill(pid, 0) == 0 || errno == EPERM else { return false }
        return Date().timeIntervalSince(updatedAt) < 10
    }
}
