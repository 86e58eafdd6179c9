import Config
import Foundation
import XCTest

final class TimeArgumentTests: XCTestCase {
    func testTimeArgumentsAreISO8601OrDurationsBack() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        XCTAssertEqual(TimeArgument.parse("24h", now: now), now.addingTimeInterval(-86_400))
        XCTAssertEqual(TimeArgument.parse("1h30m", now: now), now.addingTimeInterval(-5_400))
        XCTAssertEqual(TimeArgument.parse("2026-11-29T18:00:00Z")?.timeIntervalSince1970, 1_795_975_200)
        XCTAssertEqual(TimeArgument.parse("2026-11-29")?.timeIntervalSince1970, 1_795_910_400)
        XCTAssertNil(TimeArgument.parse("yesterday"))
        XCTAssertNil(TimeArgument.parse("24"))
    }
}
