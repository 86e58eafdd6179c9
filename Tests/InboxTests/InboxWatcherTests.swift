import Foundation
import Glibc
import XCTest
import Inbox
import TestSupport

final class InboxWatcherTests: XCTestCase {
    /// Next `.arrived` name, or nil after a timeout.
    private func next(_ iterator: inout AsyncStream<InboxWatcher.Event>.Iterator) async -> String? {
        let deadline = Task { try await Task.sleep(for: .seconds(5)) }
        defer { deadline.cancel() }
        while let event = await iterator.next() {
            if case .arrived(_, let name) = event { return name.description }
        }
        return nil
    }

    func testSeesRenamesAndClosedWritesButTemporaryNamesOnlyOnceRenamed() async throws {
        let box = try TemporaryInbox()
        let watcher = try InboxWatcher(folders: [box.inbox.path])
        defer { watcher.stop() }
        var events = watcher.events.makeAsyncIterator()

        try box.drop("moved.onnx")  // IN_CLOSE_WRITE for moved.onnx.tmp, then IN_MOVED_TO
        var seen = [await next(&events), await next(&events)]
        XCTAssertEqual(seen, ["moved.onnx.tmp", "moved.onnx"])
        XCTAssertEqual(seen.map { DropName($0 ?? "").isCandidate }, [false, true])

        let fd = open(box.path("written.json"), O_WRONLY | O_CREAT, 0o600)
        _ = write(fd, "{}", 2)
        close(fd)  // IN_CLOSE_WRITE
        seen = [await next(&events)]
        XCTAssertEqual(seen, ["written.json"])

        try Data().write(to: URL(fileURLWithPath: box.path(".hidden")))
        XCTAssertEqual(rename(box.path(".hidden"), box.path("visible.yaml")), 0)
        let hidden = await next(&events)
        let visible = await next(&events)
        XCTAssertEqual([hidden, visible], [".hidden", "visible.yaml"])
    }

    func testStopEndsTheStream() async throws {
        let box = try TemporaryInbox()
        let watcher = try InboxWatcher(folders: [box.inbox.path])
        watcher.stop()
        for await _ in watcher.events {}
    }

    func testMissingFolderIsAClearError() {
        XCTAssertThrowsError(try InboxWatcher(folders: ["/nonexistent/inbox"])) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/inbox"), "\(error)")
        }
    }

    /// Every event until `count` arrived or a timeout passed.
    private func collect(_ iterator: inout AsyncStream<InboxWatcher.Event>.Iterator, count: Int) async -> [InboxWatcher.Event] {
        let deadline = Task { try await Task.sleep(for: .seconds(5)) }
        defer { deadline.cancel() }
        var seen: [InboxWatcher.Event] = []
        while seen.count < count, let event = await iterator.next() { seen.append(event) }
        return seen
    }

    func testObjectsMadeInPlaceAreReportedAsCreated() async throws {
        let box = try TemporaryInbox()
        let watcher = try InboxWatcher(folders: [box.inbox.path])
        defer { watcher.stop() }
        var events = watcher.events.makeAsyncIterator()
        XCTAssertEqual(mkdir(box.path("folder.onnx"), 0o755), 0)
        XCTAssertEqual(mkfifo(box.path("pipe.onnx"), 0o644), 0)
        XCTAssertEqual(symlink("/etc/passwd", box.path("link.onnx")), 0)
        let seen = await collect(&events, count: 3)
        XCTAssertEqual(seen, ["folder.onnx", "pipe.onnx", "link.onnx"].map { .created(inbox: 0, name: DropName($0)) })
    }

    func testARemovedOrRenamedInboxIsReportedLostAndCanBeWatchedAgain() async throws {
        let box = try TemporaryInbox()
        let watcher = try InboxWatcher(folders: [box.inbox.path])
        defer { watcher.stop() }
        var events = watcher.events.makeAsyncIterator()
        XCTAssertEqual(rename(box.inbox.path, box.root + "/away"), 0)
        let lost = await collect(&events, count: 1)
        XCTAssertEqual(lost, [.lost(inbox: 0)])
        XCTAssertFalse(watcher.isWatching(inbox: 0))

        XCTAssertEqual(mkdir(box.inbox.path, 0o755), 0)
        try watcher.rewatch(inbox: 0)
        XCTAssertTrue(watcher.isWatching(inbox: 0))
        // The folder renamed away is no longer watched; the new one is.
        try Data().write(to: URL(fileURLWithPath: box.root + "/away/stray.onnx"))
        try box.drop("new.onnx")
        let name = await next(&events)
        XCTAssertEqual(name, "new.onnx.tmp")

        try FileManager.default.removeItem(atPath: box.inbox.path)
        var removed = await collect(&events, count: 1)
        while let event = removed.first, event != .lost(inbox: 0) { removed = await collect(&events, count: 1) }
        XCTAssertEqual(removed, [.lost(inbox: 0)])
    }

    func testPolledInboxesAreNotWatched() throws {
        let box = try TemporaryInbox()
        let other = try TemporaryInbox()
        let watcher = try InboxWatcher(folders: [box.inbox.path, other.inbox.path], polled: [0])
        defer { watcher.stop() }
        XCTAssertFalse(watcher.isWatching(inbox: 0))
        XCTAssertTrue(watcher.isWatching(inbox: 1))
    }
}
