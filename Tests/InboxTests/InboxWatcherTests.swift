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
}
