import Engine
import Foundation
import Glibc
import Store
import XCTest
import Inbox
import Learning
import TestSupport

/// A temporary store, models folder and inbox for the learning tests, removed afterwards.
final class LearningWorkspace {
    let root: String
    let inbox: InboxDescriptor
    let store: NarformerStore
    let tokens: MeasuredTokenStore
    var storePath: String { root + "/store" }
    var modelsPath: String { root + "/models" }

    init() throws {
        var template = Array("/tmp/narformer-learn-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp", path: "/tmp") }
        root = String(cString: made)
        inbox = InboxDescriptor(name: "lab", path: root + "/inbox", platform: "cpu", batchSizes: [1])
        for folder in ["inbox", "inbox/done", "inbox/.work", "models"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        store = try NarformerStore(path: root + "/store")
        tokens = MeasuredTokenStore(store: store)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// A claimed measurement drop as the pipeline hands it over.
    func claimed(_ name: String, _ yaml: String, claimedAt: Date = Date(), retries: Int = 0) -> ClaimedDrop {
        ClaimedDrop(inbox: inbox, originalName: DropName(name), claimedPath: inbox.path + "/.work/" + name,
                    kind: "yaml", contents: Data(yaml.utf8), identity: FileIdentity(stat()),
                    claimedAt: claimedAt, retries: retries)
    }

    func processor(timeout: Duration = .seconds(3600), now: @escaping @Sendable () -> Date = { Date() })
        -> MeasurementDropProcessor {
        MeasurementDropProcessor(store: store, platforms: ["cpu", "gpu"], measurementTimeouts: [inbox.name: timeout],
                                 tokens: tokens, now: now)
    }

    func measurementCount(_ platform: String = "cpu") throws -> Int {
        try store.read { try $0.measurementCount(platform: platform) }
    }
}

/// NAS-Bench-201 cells with a made-up but learnable latency: convolutions cost, the rest
/// hardly. Deterministic (every arch from a fixed enumeration).
enum SyntheticCells {
    static func arch(_ ops: [Int]) -> String {
        let names = NB201Cell.operations
        return "|\(names[ops[0]])~0|+|\(names[ops[1]])~0|\(names[ops[2]])~1|+|\(names[ops[3]])~0|\(names[ops[4]])~1|\(names[ops[5]])~2|"
    }

    static func latency(_ ops: [Int]) -> Double {
        let cost = [0.0, 0.2, 1.0, 3.0, 0.5]
        return 1 + ops.map { cost[$0] }.reduce(0, +)
    }

    /// `count` distinct cells, spread over the 15625 by a fixed stride.
    static func cells(_ count: Int, offset: Int = 0) -> [(arch: String, latency: Double)] {
        (0..<count).map { i in
            var code = (offset + i * 7919) % 15625
            var ops: [Int] = []
            for _ in 0..<6 { ops.append(code % 5); code /= 5 }
            return (arch(ops), latency(ops))
        }
    }

    static func yaml(_ cells: [(arch: String, latency: Double)], platform: String = "cpu") -> String {
        "measurements:\n" + cells.map {
            "  - cell: \"\($0.arch)\"\n    platform: \(platform)\n    batch_size: 1\n    latency_ms: \($0.latency)\n"
        }.joined()
    }
}
