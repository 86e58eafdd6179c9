import Foundation
import Logging
import XCTest
import Daemon
import Inbox
import Learning
import TestSupport

final class StructuredLogHandlerTests: XCTestCase {
    func testKeyValueLineQuotesWhatWouldBreakIt() throws {
        let logs = LogCollector()
        logs.logger(format: .keyValue).info("drop", metadata: [
            "name": "evil\nlevel=error name", "outcome": "done", "ms": "3"])
        let line = try XCTUnwrap(logs.all.first)
        XCTAssertFalse(line.contains("\n"))
        XCTAssertTrue(line.hasPrefix("ts="), line)
        XCTAssertTrue(line.hasSuffix(#"level=info msg=drop ms=3 name="evil\nlevel=error name" outcome=done"#)
                      || line.contains(#" level=info msg=drop ms=3 name="evil\nlevel=error name" outcome=done"#), line)
    }

    func testJSONLineParsesBack() throws {
        let logs = LogCollector()
        logs.logger(format: .json).error("drop", metadata: ["name": "a\"b\u{1B}", "outcome": "failed"])
        let line = try XCTUnwrap(logs.all.first)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        XCTAssertEqual(object["name"], "a\"b\u{1B}")
        XCTAssertEqual(object["level"], "error")
        XCTAssertEqual(object["msg"], "drop")
        XCTAssertEqual(object["outcome"], "failed")
        XCTAssertNotNil(object["ts"])
    }

    func testLevelFiltersEvents() {
        let logs = LogCollector()
        var logger = logs.logger()
        logger.logLevel = .warning
        logger.info("hidden")
        logger.warning("shown")
        XCTAssertEqual(logs.all.count, 1)
    }
}
