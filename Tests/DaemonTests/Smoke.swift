import XCTest
final class DaemonSmokeTests: XCTestCase { func testNothingYet() {} }
