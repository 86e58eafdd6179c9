import Foundation
import Glibc
import Logging
import ServiceLifecycle
import XCTest
import Daemon
import Inbox
import TestSupport

/// The daemon notices everything that lands in an inbox: objects made in place, an inbox
/// folder removed or replaced while it runs, drops inotify never reports.
final class InboxWatchingTests: XCTestCase {
    /// A running service on `inboxes`, stopped by `stop()`.
    private struct Running {
        let group: ServiceGroup
        let task: Task<Void, Error>
        let logs: LogCollector

        func stop() async throws {
            await group.triggerGracefulShutdown()
            try await task.value
        }
    }

    private func start(_ inboxes: [InboxDescriptor]) async throws -> Running {
        let socket = try NotifySocket(abstract: false)
        let logs = LogCollector()
        let logger = logs.logger()
        let service = NarformerService(
            inboxes: inboxes, processor: FakeProcessor(), settings: .fast,
            notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address]),
            reload: {}, logger: logger, statusInterval: .milliseconds(20))
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        let ready = await socket.receive(containing: "READY=1")
        XCTAssertNotNil(ready, "the service did not become ready")
        return Running(group: group, task: task, logs: logs)
    }

    func testObjectsMadeInPlaceGoToFailedAtOnceWhileAFileBeingWrittenWaits() async throws {
        let box = try TemporaryInbox()
        let running = try await start([box.inbox])
        // A regular file created in place and still open: still being written, not taken.
        let writing = open(box.path("writing.onnx"), O_WRONLY | O_CREAT | O_EXCL, 0o644)
        XCTAssertGreaterThanOrEqual(writing, 0)
        _ = write(writing, "half", 4)
        // Objects no writer renames in: each appears with IN_CREATE only.
        try Data("outside".utf8).write(to: URL(fileURLWithPath: box.root + "/outside.onnx"))
        XCTAssertEqual(mkdir(box.path("folder.onnx"), 0o755), 0)
        XCTAssertEqual(mkfifo(box.path("pipe.onnx"), 0o644), 0)
        XCTAssertEqual(symlink("/etc/passwd", box.path("link.onnx")), 0)
        XCTAssertEqual(link(box.root + "/outside.onnx", box.path("hard.onnx")), 0)

        let notes = ["folder.onnx", "hard.onnx", "link.onnx", "pipe.onnx"].map { $0 + ".error.txt" }
        let failed = await waitUntil(timeout: .seconds(5)) { Set(notes).isSubset(of: box.names(in: "failed")) }
        XCTAssertTrue(failed, "failed/ holds \(box.names(in: "failed")); the inbox holds \(box.names(in: "."))")
        let folderNote = try? String(contentsOfFile: box.path("failed", "folder.onnx.error.txt"), encoding: .utf8)
        XCTAssertTrue(folderNote?.contains("This is a folder, not a file.") ?? false, folderNote ?? "no note")
        XCTAssertTrue(exists(box.path("writing.onnx")), "a file still being written was taken")

        _ = write(writing, " and the rest", 13)
        close(writing)  // IN_CLOSE_WRITE: now it is taken
        let done = await waitUntil(timeout: .seconds(5)) { box.names(in: "done").contains("writing.onnx") }
        XCTAssertTrue(done, "done/ holds \(box.names(in: "done"))")
        try await running.stop()
    }

    func testARemovedInboxIsMadeAgainAndDropsKeepFlowing() async throws {
        let box = try TemporaryInbox()
        let running = try await start([box.inbox])
        try box.drop("before.onnx")
        let first = await waitUntil(timeout: .seconds(5)) { box.names(in: "done").contains("before.onnx") }
        XCTAssertTrue(first)

        try FileManager.default.removeItem(atPath: box.inbox.path)
        let remade = await waitUntil(timeout: .seconds(5)) { exists(box.path("done")) }
        XCTAssertTrue(remade, "the inbox was not made again")
        var status = stat()
        XCTAssertEqual(lstat(box.inbox.path, &status), 0)
        XCTAssertEqual(status.st_mode & 0o7777, InboxFolders.inboxMode, "made again with the inbox mode")
        try box.drop("after.onnx")
        let flowing = await waitUntil(timeout: .seconds(5)) { box.names(in: "done").contains("after.onnx") }
        XCTAssertTrue(flowing, "done/ holds \(box.names(in: "done")); the inbox holds \(box.names(in: "."))")
        let warning = running.logs.all.first { $0.contains("the inbox folder was removed or replaced") }
        XCTAssertNotNil(warning, "\(running.logs.all)")
        XCTAssertTrue(warning?.contains("warning") ?? false, warning ?? "")
        try await running.stop()
    }

    func testAReplacedInboxIsWatchedAndScanned() async throws {
        let box = try TemporaryInbox()
        let running = try await start([box.inbox])
        // Another folder, holding a drop, takes the inbox's place in one step.
        let other = box.root + "/replacement"
        XCTAssertEqual(mkdir(other, 0o755), 0)
        try Data("waiting".utf8).write(to: URL(fileURLWithPath: other + "/waiting.onnx"))
        XCTAssertEqual(exchange(box.inbox.path, other), 0, String(cString: strerror(errno)))

        let scanned = await waitUntil(timeout: .seconds(5)) { box.names(in: "done").contains("waiting.onnx") }
        XCTAssertTrue(scanned, "done/ holds \(box.names(in: "done")); the inbox holds \(box.names(in: "."))")
        try box.drop("after.onnx")
        let watched = await waitUntil(timeout: .seconds(5)) { box.names(in: "done").contains("after.onnx") }
        XCTAssertTrue(watched, "done/ holds \(box.names(in: "done")); the inbox holds \(box.names(in: "."))")
        XCTAssertTrue(running.logs.all.contains { $0.contains("the inbox folder was removed or replaced") }, "\(running.logs.all)")
        try await running.stop()
    }

    /// A writer that keeps its file open never causes an inotify event that narformer acts
    /// on; the periodic scan finds the file.
    func testThePeriodicScanFindsWhatInotifyDidNotReport() async throws {
        let box = try TemporaryInbox()
        var inbox = box.inbox
        inbox.watching = .inotify(rescan: .milliseconds(200))
        let running = try await start([inbox])
        let fd = open(box.path("kept-open.onnx"), O_WRONLY | O_CREAT | O_EXCL, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        _ = write(fd, "complete", 8)
        let found = await waitUntil(timeout: .seconds(5)) { box.names(in: "done").contains("kept-open.onnx") }
        XCTAssertTrue(found, "done/ holds \(box.names(in: "done")); the inbox holds \(box.names(in: "."))")
        try await running.stop()
    }

    func testPollModeTakesDropsWithoutInotify() async throws {
        let box = try TemporaryInbox()
        var inbox = box.inbox
        inbox.watching = .poll(interval: .milliseconds(100))
        let running = try await start([inbox])
        try box.drop("polled.onnx")
        let found = await waitUntil(timeout: .seconds(5)) { box.names(in: "done").contains("polled.onnx") }
        XCTAssertTrue(found, "done/ holds \(box.names(in: "done")); the inbox holds \(box.names(in: "."))")
        // A removed inbox is made again by the next poll.
        try FileManager.default.removeItem(atPath: box.inbox.path)
        let remade = await waitUntil(timeout: .seconds(5)) { exists(box.path("done")) }
        XCTAssertTrue(remade, "the inbox was not made again")
        try box.drop("again.onnx")
        let again = await waitUntil(timeout: .seconds(5)) { box.names(in: "done").contains("again.onnx") }
        XCTAssertTrue(again, "done/ holds \(box.names(in: "done"))")
        try await running.stop()
    }
}

private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

/// Swaps two folders in one step (renameat2 with RENAME_EXCHANGE).
private func exchange(_ first: String, _ second: String) -> Int32 {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return -1 }
    let renameAt2 = unsafeBitCast(symbol, to: RenameAt2.self)
    return renameAt2(AT_FDCWD, first, AT_FDCWD, second, 2)
}

private func exists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
}
