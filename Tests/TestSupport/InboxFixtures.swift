import Foundation
import Glibc
import Logging
import Synchronization
import XCTest
import Daemon
import Inbox

/// A fresh folder under /tmp with one inbox inside, removed afterwards.
package final class TemporaryInbox: Sendable {
    package let root: String
    package let inbox: InboxDescriptor

    package init(acceptedExtensions: Set<String> = ["onnx", "json", "yaml", "yml"]) throws {
        var template = Array("/tmp/narformer-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp", path: "/tmp") }
        root = String(cString: made)
        inbox = InboxDescriptor(name: "lab", path: root + "/inbox", platform: "cpu",
                                batchSizes: [1, 8], acceptedExtensions: acceptedExtensions)
        try FileManager.default.createDirectory(atPath: inbox.path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    package func path(_ name: String) -> String { inbox.path + "/" + name }
    package func path(_ folder: String, _ name: String) -> String { inbox.path + "/" + folder + "/" + name }

    /// Drops the way a well-behaved writer does: write a .tmp, rename.
    package func drop(_ name: String, contents: String = "content") throws {
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path(name + ".tmp")))
        XCTAssertEqual(rename(path(name + ".tmp"), path(name)), 0)
    }

    package func names(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: inbox.path + "/" + folder)) ?? []).sorted()
    }
}

/// A processor that records what it was given and answers with `decide`.
package final class FakeProcessor: DropProcessor {
    private let state = Mutex<(batches: [[String]], calls: Int)>(([], 0))
    private let decide: @Sendable (ClaimedDrop, Int) -> DropOutcome
    private let delay: Duration

    package init(delay: Duration = .zero,
         decide: @escaping @Sendable (ClaimedDrop, Int) -> DropOutcome = { drop, _ in
             .done(resultJSON: Data("{\"bytes\":\(drop.contents.count)}".utf8), hash: "h\(drop.contents.count)")
         }) {
        self.decide = decide
        self.delay = delay
    }

    package func process(_ drops: [ClaimedDrop]) async -> [DropOutcome] {
        let call = state.withLock { state in
            state.batches.append(drops.map(\.originalName.description))
            state.calls += 1
            return state.calls
        }
        if delay > .zero { try? await Task.sleep(for: delay) }
        return drops.map { decide($0, call) }
    }

    package var batches: [[String]] { state.withLock { $0.batches } }
}

/// Collects log lines (already rendered by StructuredLogHandler).
package final class LogCollector: Sendable {
    private let lines = Mutex<[String]>([])

    package init() {}

    package func logger(format: StructuredLogHandler.Format = .keyValue, priorityPrefix: Bool = false) -> Logger {
        Logger(label: "test") { label in
            StructuredLogHandler(label: label, format: format, level: .debug, priorityPrefix: priorityPrefix) { [self] line in
                lines.withLock { $0.append(line) }
            }
        }
    }

    package var all: [String] { lines.withLock { $0 } }
}

/// Polls until `condition` holds or `timeout` passes.
package func waitUntil(timeout: Duration = .seconds(10), _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return await condition()
}

extension DropPipeline {
    /// Recovers, runs until `condition` holds (at most `timeout`), then stops and waits for
    /// the batches in progress; returns whether the condition held.
    package func run(timeout: Duration = .seconds(10), until condition: @Sendable () async -> Bool) async throws -> Bool {
        try await recover()
        let running = Task { await run() }
        let held = await waitUntil(timeout: timeout, condition)
        await stop()
        await running.value
        return held
    }
}

extension DropPipeline.Settings {
    /// Short backoff so retry tests run in milliseconds.
    package static let fast = DropPipeline.Settings(
        maxBatch: 16, maxDropBytes: 1 << 20,
        backoff: RetryBackoff(initial: .milliseconds(5), maximum: .milliseconds(40)),
        maxChangingReads: 5)
}
