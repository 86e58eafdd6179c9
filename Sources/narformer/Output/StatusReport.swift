import Config
import Daemon
import Foundation
import Inbox
import Learning
import Store

/// What `narformer status` shows, gathered from the config, the inbox folders, the store
/// (read-only) and the daemon's status file.
struct StatusReport: Encodable {
    struct Inbox: Encodable {
        var name: String
        var path: String
        var platform: String
        /// Files waiting in the inbox plus files in `.work/`.
        var queueDepth: Int
        var done: Int
        var failed: Int
    }

    struct Platform: Encodable {
        var name: String
        /// The store's active version; nil: the default model (version 0) serves.
        var activeVersion: Int?
        /// The version the running daemon predicts with (from its status file).
        var servingVersion: Int?
        /// Why the serving model's predictions are not calibrated to this platform, if so.
        var uncalibrated: String?
        var measurements: Int
        var lastRetrain: String?
        var lastRetrainOutcome: String?
        /// Networks predicted for the platform and not measured on it (what `narformer
        /// suggest` chooses from), and how many of them are novel (novelty >= 2).
        var suggestionsWaiting: Int?
        var novelWaiting: Int?
    }

    var daemonRunning: Bool
    /// The running daemon's BLAS kernel set, how it was chosen and its sgemm rate.
    var blas: String?
    var pid: Int32?
    var statusUpdatedAt: Date?
    var counters: DaemonStatus.Counters?
    var storePath: String
    var storeCounts: StoreCounts?
    var storeProblem: String?
    var inboxes: [Inbox]
    var platforms: [Platform]

    static func gather(config: NarformerConfig) throws -> StatusReport {
        let daemon = DaemonStatus.read(storePath: config.store.path)
        let live = daemon?.isLive ?? false
        var counts: StoreCounts?
        var problem: String?
        var platforms: [Platform] = []
        var store: NarformerStore?
        if StoreFolder(path: config.store.path).holdsStore {
            do { store = try NarformerStore(path: config.store.path, readOnly: true) } catch { problem = "\(error)" }
        } else {
            problem = "no store yet (the daemon has not run)"
        }
        var uncalibrated = store.map { UncalibratedLookup(store: $0, models: config.models) }
        for platform in config.platforms {
            let serving = live ? daemon?.latencyModels.first { $0.platform == platform.name } : nil
            var entry = Platform(name: platform.name, activeVersion: nil, servingVersion: serving?.version,
                                 measurements: 0)
            if let store {
                do {
                    try store.read { reader in
                        entry.activeVersion = try reader.activeModel(platform: platform.name)?.version
                        entry.measurements = try reader.measurementCount(platform: platform.name)
                        entry.lastRetrain = try reader.meta(.lastRetrain(platform: platform.name))
                        entry.lastRetrainOutcome = try reader.meta(.retrainOutcome(platform: platform.name))
                    }
                    // The model that serves (or would serve) the platform: the daemon's when it
                    // runs, else the store's active version or the default model.
                    entry.uncalibrated = try uncalibrated?.note(
                        platform: platform.name, modelVersion: serving?.version ?? entry.activeVersion ?? 0,
                        defaultModel: serving.map { URL(fileURLWithPath: $0.checkpoint) })
                    let waiting = try SuggestionPlanner.waiting(store: store, platform: platform.name)
                    entry.suggestionsWaiting = waiting.waiting
                    entry.novelWaiting = waiting.novel
                } catch {
                    problem = "\(error)"
                }
            }
            platforms.append(entry)
        }
        if let store {
            do { counts = try store.read { try $0.counts() } } catch { problem = "\(error)" }
        }
        return StatusReport(
            daemonRunning: live, blas: live ? daemon?.blas?.line : nil, pid: live ? daemon?.pid : nil, statusUpdatedAt: daemon?.updatedAt,
            counters: live ? daemon?.counters : nil, storePath: config.store.path, storeCounts: counts,
            storeProblem: problem,
            inboxes: config.inboxes.map { inbox in
                Inbox(name: inbox.name, path: inbox.path, platform: inbox.platform,
                      queueDepth: waiting(in: inbox.path) + entries(in: inbox.path + "/.work"),
                      done: entries(in: inbox.path + "/done"),
                      failed: entries(in: inbox.path + "/failed"))
            },
            platforms: platforms)
    }

    /// Drop candidates in the inbox itself (what the daemon would pick up).
    private static func waiting(in folder: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { name in
            DropName(name).isCandidate && !["done", "failed", ".work"].contains(name)
        }.count
    }

    /// Files in a protocol folder, without the `.result.json` / `.error.txt` notes and the
    /// daemon's own hidden bookkeeping (a drop's name never starts with a dot).
    private static func entries(in folder: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { !($0.hasPrefix(".") || $0.hasSuffix(".result.json") || $0.hasSuffix(".error.txt")) }.count
    }

    func text() -> String {
        var lines: [String] = []
        if daemonRunning, let pid {
            var line = "daemon        running (pid \(pid))"
            if let counters {
                line += ": \(counters.done) done, \(counters.failed) failed, \(counters.queueDepth) queued since start"
            }
            lines.append(line)
        } else {
            lines.append("daemon        not running")
        }
        if let blas { lines.append("blas          \(blas)") }
        lines.append("store         \(storePath)")
        if let storeCounts {
            lines.append("  graphs \(storeCounts.graphs), predictions \(storeCounts.predictions), "
                         + "measurements \(storeCounts.measurements), models \(storeCounts.models)")
        }
        if let storeProblem { lines.append("  \(storeProblem)") }
        lines.append("inboxes")
        for inbox in inboxes {
            lines.append("  \(inbox.name) (\(inbox.platform)) \(inbox.path): \(inbox.queueDepth) waiting, "
                         + "\(inbox.done) done, \(inbox.failed) failed")
        }
        lines.append("platforms")
        for platform in platforms {
            var line = "  \(platform.name): model " + (platform.activeVersion.map { "v\($0)" } ?? "default (v0)")
            if let serving = platform.servingVersion { line += ", daemon serves v\(serving)" }
            if let uncalibrated = platform.uncalibrated { line += " (\(uncalibrated))" }
            line += ", \(platform.measurements) measurements"
            if let waiting = platform.suggestionsWaiting {
                line += ", \(waiting) unmeasured networks to suggest (\(platform.novelWaiting ?? 0) novel)"
            }
            if let last = platform.lastRetrain {
                line += ", last retrain \(last)" + (platform.lastRetrainOutcome.map { " (\($0))" } ?? "")
            } else {
                line += ", never retrained"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
