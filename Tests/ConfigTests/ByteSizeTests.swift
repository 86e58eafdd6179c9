import XCTest
import Config

final class ByteSizeTests: XCTestCase {
    func testParsesBinaryDecimalAndPlainSizes() throws {
        let cases: [(String, Int)] = [
            ("512MiB", 512 << 20), ("8GiB", 8 << 30), ("1GB", 1_000_000_000), ("1024", 1024),
            ("4 KiB", 4096), ("1.5GiB", 3 << 29), ("2tib", 2 << 40), ("10kb", 10_000), ("7B", 7), ("1_000", 1000),
        ]
        for (text, bytes) in cases {
            XCTAssertEqual(try ByteSize.parse(text).get().bytes, bytes, text)
        }
    }

    func testRefusesAmbiguousAndUnknownUnits() {
        let cases: [(String, String)] = [
            ("8G", "ambiguous"), ("8 gigs", "'gigs' is not a unit"), ("GiB", "does not start with a number"),
            ("1.2.3MiB", "is not a number"), ("9999999TiB", "too large"), ("", "does not start with a number"),
        ]
        for (text, reason) in cases {
            switch ByteSize.parse(text) {
            case .success(let value):
                XCTFail("'\(text)' parsed as \(value)")
            case .failure(let error):
                XCTAssertTrue(error.description.contains(reason), "\(text): \(error)")
            }
        }
    }

    func testDescriptionIsExactAndParsesBack() throws {
        XCTAssertEqual(ByteSize.gibibytes(1).description, "1GiB")
        XCTAssertEqual(ByteSize.mebibytes(1536).description, "1536MiB")
        XCTAssertEqual(ByteSize(bytes: 1000).description, "1000")
        for size in [ByteSize(bytes: 0), .kibibytes(3), .mebibytes(1025), ByteSize(bytes: 123_456_789)] {
            XCTAssertEqual(try ByteSize.parse(size.description).get(), size)
        }
    }
}
