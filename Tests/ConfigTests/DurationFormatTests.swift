import XCTest
import Config

final class DurationFormatTests: XCTestCase {
    func testParsesEveryUnitAndCombinations() throws {
        let cases: [(String, Duration)] = [
            ("250ms", .milliseconds(250)), ("90s", .seconds(90)), ("15m", .seconds(900)),
            ("6h", .seconds(21_600)), ("2d", .seconds(172_800)), ("1h30m", .seconds(5_400)),
            ("1d2h3m4s5ms", .milliseconds(93_784_005)), ("0s", .zero), (" 6h ", .seconds(21_600)),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try DurationFormat.parse(text).get(), expected, text)
        }
    }

    func testRefusesBareNumbersUnknownUnitsAndDisorder() {
        let cases: [(String, String)] = [
            ("6", "has no unit"), ("6x", "'x' is not a unit"), ("h", "expected a number"), ("", "it is empty"),
            ("30m1h", "largest to smallest"), ("1m1m", "largest to smallest"), ("1.5h", "has no unit"),
            ("-5s", "expected a number"), ("99999999999999999999s", "too large"), ("9999999999999999d", "too long"),
        ]
        for (text, reason) in cases {
            switch DurationFormat.parse(text) {
            case .success(let value):
                XCTFail("'\(text)' parsed as \(value)")
            case .failure(let error):
                XCTAssertTrue(error.description.contains(reason), "\(text): \(error)")
                XCTAssertTrue(error.description.contains("write it like 90s"), "\(text): \(error)")
            }
        }
    }

    func testFormatIsShortestAndParsesBack() throws {
        XCTAssertEqual(DurationFormat.format(.seconds(5_400)), "1h30m")
        XCTAssertEqual(DurationFormat.format(.seconds(86_400)), "1d")
        XCTAssertEqual(DurationFormat.format(.milliseconds(1_500)), "1s500ms")
        XCTAssertEqual(DurationFormat.format(.zero), "0s")
        var generator = SplitMix64(seed: 42)
        for _ in 0..<200 {
            let duration = Duration.milliseconds(Int64.random(in: 0...10_000_000_000, using: &generator))
            XCTAssertEqual(try DurationFormat.parse(DurationFormat.format(duration)).get(), duration)
        }
    }
}
