import Config
import Synchronization

/// What the prediction processor needs to know about an inbox, by inbox name. Held in a
/// `Mutex` so SIGHUP can change batch sizes and cell accuracy between two batches.
struct InboxSettings: Sendable, Equatable {
    var platform: String
    var batchSizes: [Int]
    var cellAccuracy: Bool

    init(platform: String, batchSizes: [Int], cellAccuracy: Bool) {
        self.platform = platform
        self.batchSizes = batchSizes
        self.cellAccuracy = cellAccuracy
    }

    init(_ inbox: InboxConfig) {
        self.init(platform: inbox.platform, batchSizes: inbox.batchSizes, cellAccuracy: inbox.cellAccuracy)
    }

    /// Settings of every inbox of `config`, by name.
    static func table(_ config: NarformerConfig) -> [String: InboxSettings] {
        Dictionary(config.inboxes.map { ($0.name, InboxSettings($0)) }, uniquingKeysWith: { first, _ in first })
    }
}

/// The live settings table, shared by the processor (reads) and the reloader (writes).
final class InboxSettingsTable: Sendable {
    private let table: Mutex<[String: InboxSettings]>

    init(_ table: [String: InboxSettings]) { self.table = Mutex(table) }

    subscript(inbox: String) -> InboxSettings? { table.withLock { $0[inbox] } }

    func replace(with new: [String: InboxSettings]) { table.withLock { $0 = new } }
}

extension InboxDescriptor {
    /// The pipeline's view of a configured inbox. `measurements` accepts both `.yaml` and `.yml`.
    init(_ inbox: InboxConfig) {
        var extensions: Set<String> = []
        for kind in inbox.accept {
            switch kind {
            case .onnx: extensions.insert("onnx")
            case .json: extensions.insert("json")
            case .measurements: extensions.formUnion(["yaml", "yml"])
            }
        }
        self.init(name: inbox.name, path: inbox.path, platform: inbox.platform, batchSizes: inbox.batchSizes,
                  acceptedExtensions: extensions)
    }
}
