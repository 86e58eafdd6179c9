import XCTest
@testable import Config

final class SuggestionTests: XCTestCase {
    func testEditDistance() {
        XCTAssertEqual(Suggestion.editDistance("", "abc"), 3)
        XCTAssertEqual(Suggestion.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(Suggestion.editDistance("platfrom", "platform"), 1, "a swap is one edit")
        XCTAssertEqual(Suggestion.editDistance("same", "same"), 0)
    }

    func testSuggestsOnlyPlausibleTypos() {
        let keys = ["name", "path", "platform", "batch_sizes", "accept", "measurement_timeout", "cell_accuracy"]
        XCTAssertEqual(Suggestion.closest(to: "platfrom", among: keys), "platform")
        XCTAssertEqual(Suggestion.closest(to: "batch_size", among: keys), "batch_sizes")
        XCTAssertEqual(Suggestion.closest(to: "Path", among: keys), "path")
        XCTAssertEqual(Suggestion.closest(to: "measurement", among: keys), "measurement_timeout")
        XCTAssertNil(Suggestion.closest(to: "colour", among: keys))
        XCTAssertNil(Suggestion.closest(to: "x", among: keys))
    }
}
