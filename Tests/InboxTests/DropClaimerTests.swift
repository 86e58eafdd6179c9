import Foundation
import Glibc
import XCTest
import Inbox
import Synchronization
import TestSupport

final class DropClaimerTests: XCTestCase {
    private func claimer(_ box: TemporaryInbox, maxBytes: Int64 = 1 << 20) throws -> DropClaimer {
        let claimer = DropClaimer(inbox: box.inbox, maxDropBytes: maxBytes)
        try claimer.prepareFolders()
        return claimer
    }

    func testClaimReadAndFileIntoDoneWithResult() throws {
        let box = try TemporaryInbox()
        let claimer = try claimer(box)
        try box.drop("net.onnx", contents: "abc")
        XCTAssertEqual(try claimer.claim(DropName("net.onnx")), .claimed)
        XCTAssertEqual(box.names(in: ".work"), ["net.onnx"])
        guard case .read(let contents, let identity, _) = claimer.read(DropName("net.onnx")) else {
            return XCTFail("not read")
        }
        XCTAssertEqual(contents, Data("abc".utf8))
        XCTAssertEqual(identity.size, 3)
        try claimer.file(DropName("net.onnx"), to: .done, sidecar: Data("{}".utf8))
        XCTAssertEqual(box.names(in: "done"), ["net.onnx", "net.onnx.result.json"])
        XCTAssertEqual(box.names(in: ".work"), [])
        XCTAssertEqual(try claimer.claim(DropName("net.onnx")), .gone)
    }

    func testANoteLeftAloneByAStopBeforeTheMoveIsReplacedAndTheDropKeepsItsName() throws {
        let box = try TemporaryInbox()
        let claimer = try claimer(box)
        try box.drop("net.onnx", contents: "abc")
        XCTAssertEqual(try claimer.claim(DropName("net.onnx")), .claimed)
        // What a SIGKILL between writing the note and moving the drop leaves behind.
        try Data("{\"stale\":true}".utf8).write(to: URL(fileURLWithPath: box.path("done", "net.onnx.result.json")))
        let stored = try claimer.file(DropName("net.onnx"), to: .done, sidecar: Data("{}".utf8))
        XCTAssertEqual(stored, DropName("net.onnx"))
        XCTAssertEqual(box.names(in: "done"), ["net.onnx", "net.onnx.result.json"])
        XCTAssertEqual(try String(contentsOfFile: box.path("done", "net.onnx.result.json"), encoding: .utf8), "{}")
    }

    func testCollisionsGetANumberAndNothingIsOverwritten() throws {
        let box = try TemporaryInbox()
        let claimer = try claimer(box)
        for round in 0..<3 {
            try box.drop("net.onnx", contents: "round \(round)")
            XCTAssertEqual(try claimer.claim(DropName("net.onnx")), .claimed)
            try claimer.file(DropName("net.onnx"), to: .failed, sidecar: Data("why \(round)".utf8))
        }
        XCTAssertEqual(box.names(in: "failed"), [
            "net-1.onnx", "net-1.onnx.error.txt", "net-2.onnx", "net-2.onnx.error.txt",
            "net.onnx", "net.onnx.error.txt"])
        XCTAssertEqual(try String(contentsOfFile: box.path("failed", "net-2.onnx"), encoding: .utf8), "round 2")
        XCTAssertEqual(try String(contentsOfFile: box.path("failed", "net-2.onnx.error.txt"), encoding: .utf8), "why 2")
    }

    func testSymlinkOutOfTheInboxIsNeitherFollowedNorRead() throws {
        let box = try TemporaryInbox()
        let claimer = try claimer(box)
        let secret = box.root + "/secret.onnx"
        try Data("outside".utf8).write(to: URL(fileURLWithPath: secret))
        XCTAssertEqual(symlink(secret, box.path("link.onnx")), 0)
        XCTAssertEqual(try claimer.claim(DropName("link.onnx")), .claimed)
        guard case .rejected(let reason) = claimer.read(DropName("link.onnx")) else { return XCTFail("link was read") }
        XCTAssertTrue(reason.contains("symbolic link"), reason)
        try claimer.file(DropName("link.onnx"), to: .failed, sidecar: Data(reason.utf8))
        var status = stat()
        XCTAssertEqual(lstat(box.path("failed", "link.onnx"), &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFLNK, "the link itself moved")
        XCTAssertEqual(try String(contentsOfFile: secret, encoding: .utf8), "outside", "target untouched")
    }

    func testFifoFolderAndHardLinkAreRejectedWithoutBlocking() throws {
        let box = try TemporaryInbox()
        let claimer = try claimer(box)
        XCTAssertEqual(mkfifo(box.path("pipe.onnx"), 0o600), 0)
        XCTAssertEqual(mkdir(box.path("folder.onnx"), 0o700), 0)
        try Data("x".utf8).write(to: URL(fileURLWithPath: box.root + "/original"))
        XCTAssertEqual(link(box.root + "/original", box.path("hard.onnx")), 0)
        for (name, words) in [("pipe.onnx", "named pipe"), ("folder.onnx", "folder"), ("hard.onnx", "hard link")] {
            XCTAssertEqual(try claimer.claim(DropName(name)), .claimed)
            guard case .rejected(let reason) = claimer.read(DropName(name)) else { return XCTFail(name) }
            XCTAssertTrue(reason.contains(words), reason)
        }
    }

    func testTooLargeDropIsRejectedUnread() throws {
        let box = try TemporaryInbox()
        let claimer = try claimer(box, maxBytes: 10)
        try box.drop("big.onnx", contents: String(repeating: "x", count: 11))
        XCTAssertEqual(try claimer.claim(DropName("big.onnx")), .claimed)
        guard case .rejected(let reason) = claimer.read(DropName("big.onnx")) else { return XCTFail("read") }
        XCTAssertTrue(reason.contains("11 bytes, more than the 10 bytes"), reason)
    }

    func testAnOpeningThatFailsItsCheckIsRejectedAfterOnlyItsFirstBytes() throws {
        let box = try TemporaryInbox()
        let claimer = try claimer(box)
        try box.drop("junk.onnx", contents: String(repeating: "z", count: 100_000))
        // Longer than the opening, and no two 4096-byte stretches alike.
        let fine = String((0..<10_000).map { Character(UnicodeScalar(UInt8(97 + $0 % 13))) })
        try box.drop("fine.onnx", contents: fine)
        let seen = SeenOpenings()
        let check = OpeningCheck(bytes: 4096) { opening, fileBytes in
            seen.list.withLock { $0.append((opening.count, fileBytes)) }
            return opening.first == UInt8(ascii: "z") ? "starts with z" : nil
        }
        XCTAssertEqual(try claimer.claim(DropName("junk.onnx")), .claimed)
        guard case .rejected(let reason) = claimer.read(DropName("junk.onnx"), opening: check) else { return XCTFail("read") }
        XCTAssertEqual(reason, "starts with z")
        XCTAssertEqual(try claimer.claim(DropName("fine.onnx")), .claimed)
        guard case .read(let contents, _, _) = claimer.read(DropName("fine.onnx"), opening: check) else {
            return XCTFail("not read")
        }
        // The opening is the first bytes of the one read: the contents are the whole file, once.
        XCTAssertEqual(contents, Data(fine.utf8))
        XCTAssertEqual(seen.list.withLock { $0.map(\.0) }, [4096, 4096])
        XCTAssertEqual(seen.list.withLock { $0.map(\.1) }, [100_000, 10_000])
    }

    func testFileChangedWhileReadIsDetected() throws {
        let box = try TemporaryInbox()
        var claimer = try claimer(box)
        try box.drop("net.onnx", contents: "first")
        XCTAssertEqual(try claimer.claim(DropName("net.onnx")), .claimed)
        claimer.afterReading = { path in
            // A writer still appending to the file it dropped too early.
            let fd = path.withCString { open($0, O_WRONLY | O_APPEND) }
            _ = write(fd, "more", 4)
            close(fd)
        }
        guard case .changing = claimer.read(DropName("net.onnx")) else { return XCTFail("change not seen") }
        claimer.afterReading = nil
        guard case .read(let contents, _, _) = claimer.read(DropName("net.onnx")) else { return XCTFail("not read") }
        XCTAssertEqual(String(decoding: contents, as: UTF8.self), "firstmore")
    }

    func testControlCharacterAndMaximumLengthNamesAreFiled() throws {
        let box = try TemporaryInbox()
        let claimer = try claimer(box)
        let hostile = DropName(bytes: Array("line\nbreak\u{1B}[31m".utf8) + [0xFF] + Array(".onnx".utf8))
        let longest = DropName(String(repeating: "n", count: 250) + ".onnx")  // 255 bytes: NAME_MAX
        for name in [hostile, longest] {
            let fd = BytePath(box.inbox.path).appending(name).withCString { open($0, O_WRONLY | O_CREAT, 0o600) }
            XCTAssertGreaterThanOrEqual(fd, 0)
            close(fd)
            XCTAssertEqual(try claimer.claim(name), .claimed)
            let stored = try claimer.file(name, to: .failed, sidecar: Data("no".utf8))
            XCTAssertLessThanOrEqual(stored.bytes.count + ".error.txt".utf8.count, 255)
            XCTAssertFalse(stored.bytes.contains { $0 < 0x20 || $0 == 0xFF })
        }
        XCTAssertEqual(box.names(in: "failed").count, 4)
        XCTAssertEqual(box.names(in: ".work"), [])
    }
}

/// What an `OpeningCheck` was shown: (opening bytes, file size) per call.
private final class SeenOpenings: Sendable {
    let list = Mutex<[(Int, Int64)]>([])
}
