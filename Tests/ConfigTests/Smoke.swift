import XCTest
final class ConfigSmokeTests: XCTestCase { func testNothingYet() {} }
