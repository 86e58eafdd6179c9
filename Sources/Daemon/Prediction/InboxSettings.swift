import Config
import Inbox
import Synchronization

/// What the prediction processor needs to know about an inbox, by inbox name. Held in a
/// `Mutex` so SIGHUP can change batch sizes and cell accuracy between two batches.
package struct InboxSettings: Sendable, Equatable {
    package var platform: String
    package var batchSizes: [Int]
    package var cellAccuracy: Bool

    package init(platform: String, batchSizes: [Int], cellAccuracy: Bool) {
        self.platform = platform
        self.batchSizes = batchSizes
        self.cellAccuracy = cellAccuracy
    }

    package init(_ inbox: InboxConfig) {
        self.init(platform: inbox.platform, batchSizes: inbox.batchSizes, cellAccuracy: inbox.cellAccuracy)
    }

    /// Settings of every inbox of `config`, by name.
    package static func table(_ config: NarformerConfig) -> [String: InboxSettings] {
        Dictionary(config.inboxes.map { ($0.name, InboxSettings($0)) }, uniquingKeysWith: { first, _ in first })
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
