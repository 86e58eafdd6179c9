import Foundation
import Glibc
import XCTest
import Inbox
import TestSupport

/// The directory descriptors the drop protocol works through: a protocol folder swapped
/// for a symbolic link at the worst moment never leads a write outside, the swap is seen
/// and repaired, and inboxes get the sticky bit.
final class InboxFoldersTests: XCTestCase {
    private func mode(_ path: String) -> mode_t {
        var status = stat()
        XCTAssertEqual(lstat(path, &status), 0, path)
        return status.st_mode & 0o7777
    }

    /// The swap happens between writing the note and moving the drop, the moment a
    /// path-based filing would follow the link: both still land together, in the daemon's
    /// own folder. The next filing sees the link, removes it (never its target) and makes
    /// a fresh `failed/`.
    func testFolderSwappedForALinkMidFilingKeepsDropAndNoteInTheDaemonsFolder() throws {
        let box = try TemporaryInbox()
        let outside = box.root + "/outside"
        XCTAssertEqual(mkdir(outside, 0o777), 0)
        let failed = box.path("failed"), stolen = box.path(".stolen")
        let mover = FileMover { from, to throws(SystemError) in
            if to.description.contains("/failed/") && access(stolen, F_OK) != 0 {
                XCTAssertEqual(rename(failed, stolen), 0)
                XCTAssertEqual(symlink(outside, failed), 0)
            }
            try FileMover.posix.move(from, to)
        }
        let logs = LogCollector()
        let claimer = DropClaimer(inbox: box.inbox, maxDropBytes: 1 << 20, mover: mover, logger: logs.logger())
        try claimer.prepareFolders()
        for name in ["first.onnx", "second.onnx"] {
            try box.drop(name)
            XCTAssertEqual(try claimer.claim(DropName(name)), .claimed)
            try claimer.file(DropName(name), to: .failed, sidecar: Data("why".utf8))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside), [])
        XCTAssertEqual(box.names(in: ".stolen"), ["first.onnx", "first.onnx.error.txt"])
        XCTAssertEqual(mode(failed) & 0o777, 0o750, "a real folder again, not the link")
        XCTAssertEqual(box.names(in: "failed"), ["second.onnx", "second.onnx.error.txt"])
        XCTAssertTrue(logs.all.contains { $0.contains("was replaced") && $0.contains("now=\"a symbolic link\"") },
                      "\(logs.all)")
        XCTAssertTrue(logs.all.contains { $0.contains("removed a symbolic link") })
    }

    /// A folder removed or renamed away is made again; one of another user is refused
    /// (with its owner named) rather than written into.
    func testRemovedFolderIsMadeAgainAndAForeignOneIsRefused() throws {
        let box = try TemporaryInbox()
        let claimer = DropClaimer(inbox: box.inbox, maxDropBytes: 1 << 20)
        try claimer.prepareFolders()
        XCTAssertEqual(rename(box.path("done"), box.path(".old-done")), 0)
        try box.drop("a.onnx")
        XCTAssertEqual(try claimer.claim(DropName("a.onnx")), .claimed)
        try claimer.file(DropName("a.onnx"), to: .done, sidecar: Data("{}".utf8))
        XCTAssertEqual(box.names(in: "done"), ["a.onnx", "a.onnx.result.json"])
        XCTAssertEqual(box.names(in: ".old-done"), [])

        guard geteuid() == 0 else { throw XCTSkip("giving a folder to another user needs root") }
        XCTAssertEqual(rename(box.path("done"), box.path(".older-done")), 0)
        XCTAssertEqual(mkdir(box.path("done"), 0o777), 0)
        XCTAssertEqual(chown(box.path("done"), 4321, 4321), 0)
        try box.drop("b.onnx")
        XCTAssertEqual(try claimer.claim(DropName("b.onnx")), .claimed)
        XCTAssertThrowsError(try claimer.file(DropName("b.onnx"), to: .done, sidecar: Data("{}".utf8))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("not narformer's own folder") && text.contains("user id 4321")
                          && text.contains("/done"), text)
        }
        XCTAssertEqual(box.names(in: "done"), [])
        XCTAssertEqual(box.names(in: ".work"), ["b.onnx"], "kept for a later try")
    }

    func testInboxIsCreatedWithTheStickyBitAndAnOwnInboxGetsIt() throws {
        let box = try TemporaryInbox()
        let previous = umask(0o027)
        defer { umask(previous) }
        let fresh = InboxDescriptor(name: "new", path: box.root + "/deep/new", platform: "cpu", batchSizes: [1])
        try DropClaimer(inbox: fresh, maxDropBytes: 1).prepareFolders()
        XCTAssertEqual(mode(fresh.path), 0o3770, "group-writable despite the umask, setgid, sticky")
        XCTAssertEqual(mode(fresh.path + "/failed") & 0o777, 0o750)

        XCTAssertEqual(chmod(box.inbox.path, 0o2770), 0)
        let logs = LogCollector()
        try DropClaimer(inbox: box.inbox, maxDropBytes: 1, logger: logs.logger()).prepareFolders()
        XCTAssertEqual(mode(box.inbox.path), 0o3770)
        XCTAssertTrue(logs.all.contains { $0.contains("sticky bit") && $0.contains("2770 -> 3770") }, "\(logs.all)")
    }

    func testAnInboxThatIsASymbolicLinkIsNotFollowed() throws {
        let box = try TemporaryInbox()
        let linked = InboxDescriptor(name: "linked", path: box.root + "/linked", platform: "cpu", batchSizes: [1])
        XCTAssertEqual(symlink(box.inbox.path, linked.path), 0)
        XCTAssertThrowsError(try DropClaimer(inbox: linked, maxDropBytes: 1).prepareFolders()) { error in
            XCTAssertTrue("\(error)".contains("not a folder") && "\(error)".contains("/linked"), "\(error)")
        }
        XCTAssertEqual(box.names(in: ""), [], "nothing created through the link")
    }
}
