import Foundation

/// The store's folder and every file in it, each with the part of narformer that owns it.
/// Nothing else is written there.
/// - `data.mdb`, `lock.mdb`: the LMDB environment (graphs, predictions, measurements, model
///   versions, meta keys), written through `NarformerStore` only.
/// - `tokens/`: only in a store written by an earlier version: the tokens of measured
///   networks as JSON files, read until continual learning moves them into the store's
///   `tokens` table (the daemon at start, `narformer import`), then removed.
/// - `control/`: retrain requests and their answers (continual learning's retrain control;
///   `narformer retrain` writes requests, the daemon answers).
/// - `status.json`: what the running daemon is doing, rewritten every second by the daemon,
///   read by `narformer status`.
/// - `daemon.lock`: held (`flock`) by the daemon serving the store for as long as it runs,
///   with its PID in it; a second daemon on the same store refuses to start (`DaemonLock`).
public struct StoreFolder: Sendable, Equatable {
    /// The folder (`store.path` of the config).
    public var path: String

    public init(path: String) {
        self.path = path
    }

    public var url: URL { URL(fileURLWithPath: path, isDirectory: true) }
    /// LMDB's data file; a folder without it holds no store yet.
    public var database: URL { url.appendingPathComponent("data.mdb") }
    public var lockFile: URL { url.appendingPathComponent("lock.mdb") }
    public var tokens: URL { url.appendingPathComponent("tokens", isDirectory: true) }
    public var control: URL { url.appendingPathComponent("control", isDirectory: true) }
    public var statusFile: URL { url.appendingPathComponent("status.json") }
    /// The daemon's lock: one daemon serves a store.
    public var daemonLock: URL { url.appendingPathComponent("daemon.lock") }

    /// Whether the folder holds a store (its data file exists).
    public var holdsStore: Bool { FileManager.default.fileExists(atPath: database.path) }
}
