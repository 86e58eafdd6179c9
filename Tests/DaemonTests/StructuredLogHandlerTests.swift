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

    func testJournalLinesCarryTheirSyslogPriorityAndNumbersStayNumbers() throws {
        let logs = LogCollector()
        let logger = logs.logger(format: .json, priorityPrefix: true)
        logger.warning("drop", metadata: ["outcome": "failed", "ms": .stringConvertible(3), "name": "17"])
        logger.info("drop", metadata: ["outcome": "done"])
        logger.error("cannot write")
        let lines = logs.all
        XCTAssertEqual(lines.map { String($0.prefix(3)) }, ["<4>", "<6>", "<3>"])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].dropFirst(3).utf8)) as? [String: Any])
        XCTAssertEqual(object["ms"] as? Int, 3, "a number logged as a number is a JSON number")
        XCTAssertEqual(object["name"] as? String, "17", "a string that looks like a number stays a string")
        let timestamp = try XCTUnwrap(object["ts"] as? String)
        XCTAssertTrue(timestamp.hasSuffix("Z"), timestamp)
        XCTAssertNotNil(try? Date(timestamp, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)), timestamp)
    }

    func testNoPriorityPrefixOutsideTheJournal() {
        let logs = LogCollector()
        logs.logger().warning("drop")
        XCTAssertTrue(logs.all.first?.hasPrefix("ts=") == true, logs.all.first ?? "")
    }
}
