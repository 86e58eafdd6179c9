import Config
import Engine
import Inbox
import Synchronization

/// What the prediction processor needs to know about an inbox, by inbox name. Held in a
/// `Mutex` so SIGHUP can change batch sizes and cell accuracy between two batches.
package struct InboxSettings: Sendable, Equatable {
    package var platform: String
    package var batchSizes: [Int]
    package var cellAccuracy: Bool
    /// `limits.network_nodes` and `limits.import_time`: what one network import may cost.
    package var maxNodes: Int
    package var importTime: Duration

    package init(platform: String, batchSizes: [Int], cellAccuracy: Bool,
                 maxNodes: Int = LimitsConfig.defaultNetworkNodes, importTime: Duration = LimitsConfig.defaultImportTime) {
        self.platform = platform
        self.batchSizes = batchSizes
        self.cellAccuracy = cellAccuracy
        self.maxNodes = maxNodes
        self.importTime = importTime
    }

    package init(_ inbox: InboxConfig, limits: LimitsConfig = LimitsConfig()) {
        self.init(platform: inbox.platform, batchSizes: inbox.batchSizes, cellAccuracy: inbox.cellAccuracy,
                  maxNodes: limits.networkNodes, importTime: limits.importTime)
    }

    /// Settings of every inbox of `config`, by name.
    package static func table(_ config: NarformerConfig) -> [String: InboxSettings] {
        Dictionary(config.inboxes.map { ($0.name, InboxSettings($0, limits: config.limits)) },
                   uniquingKeysWith: { first, _ in first })
    }

    /// The budget of one import of a drop; each phase of it tells the pipeline the drop
    /// is still moving.
    package func importBudget(for drop: ClaimedDrop) -> ImportBudget {
        let progress = drop.progress
        return ImportBudget(maxNodes: maxNodes, timeLimit: importTime, progress: { progress?.beat() })
    }
}

/// The live settings table, shared by the processor (reads) and the reloader (writes).
package final class InboxSettingsTable: Sendable {
    private let table: Mutex<[String: InboxSettings]>

    package init(_ table: [String: InboxSettings]) { self.table = Mutex(table) }

    package subscript(inbox: String) -> InboxSettings? { table.withLock { $0[inbox] } }

    package func replace(with new: [String: InboxSettings]) { table.withLock { $0 = new } }
}

extension InboxDescriptor {
    /// The pipeline's view of a configured inbox. `measurements` accepts both `.yaml` and `.yml`.
    package init(_ inbox: InboxConfig) {
        var extensions: Set<String> = []
        for kind in inbox.accept {
            switch kind {
            case .onnx: extensions.insert("onnx")
            case .json: extensions.insert("json")
            case .measurements: extensions.formUnion(["yaml", "yml"])
            }
        }
        let watching: Watching = switch inbox.watch {
        case .inotify: .inotify(rescan: inbox.rescanInterval)
        case .poll: .poll(interval: inbox.pollInterval)
        }
        self.init(name: inbox.name, path: inbox.path, platform: inbox.platform, batchSizes: inbox.batchSizes,
                  acceptedExtensions: extensions, watching: watching)
    }
}
