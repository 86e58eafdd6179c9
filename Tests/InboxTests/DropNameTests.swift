import XCTest
import Inbox
import TestSupport

final class DropNameTests: XCTestCase {
    func testHiddenTemporaryAndProtocolNamesAreNotCandidates() {
        for name in [".hidden", "model.onnx.tmp", "model.onnx.PART", ".work", "done", "failed", ""] {
            XCTAssertFalse(DropName(name).isCandidate, name)
        }
        for name in ["model.onnx", "done.onnx", "résumé.json", "a"] {
            XCTAssertTrue(DropName(name).isCandidate, name)
        }
    }

    func testDescriptionEscapesControlCharactersAndBrokenUTF8() {
        let name = DropName(bytes: Array("a\nb".utf8) + [0xFF, 0x1B] + Array("é.onnx".utf8))
        XCTAssertEqual(name.description, "a\\x0Ab\\xFF\\x1Bé.onnx")
    }

    func testStoredNameIsCleanAndShortEnoughAndKeepsTheExtension() {
        let long = DropName(String(repeating: "é", count: 120) + ".onnx")  // 245 bytes
        let stored = long.storedName(maxBytes: DropClaimer.maxStoredNameBytes)
        XCTAssertLessThanOrEqual(stored.bytes.count, DropClaimer.maxStoredNameBytes)
        XCTAssertEqual(stored.fileExtension, "onnx")
        XCTAssertNotNil(String(validating: stored.bytes, as: UTF8.self), "cut inside a character")
        XCTAssertEqual(DropName(bytes: [0x61, 0x0A, 0xFF, 0x62]).storedName(maxBytes: 100).bytes,
                       Array("a__b".utf8))
    }

    func testNumberedInsertsBeforeTheExtension() {
        XCTAssertEqual(DropName("net.onnx").numbered(2), DropName("net-2.onnx"))
        XCTAssertEqual(DropName("net").numbered(1), DropName("net-1"))
    }

    func testBackoffDoublesUpToTheMaximum() {
        let backoff = RetryBackoff(initial: .milliseconds(100), maximum: .milliseconds(500))
        XCTAssertEqual((1...5).map { backoff.delay(afterFailures: $0) },
                       [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500)])
    }
}
