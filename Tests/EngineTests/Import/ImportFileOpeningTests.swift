import Foundation
import XCTest
@testable import Engine

/// The look at a file's first bytes that lets the daemon refuse a large non-network without
/// reading it whole: certain problems only, never a sound file refused.
final class ImportFileOpeningTests: XCTestCase {
    private func problem(_ bytes: [UInt8], fileBytes: Int, _ format: NetworkImporter.Format) -> String? {
        bytes.withUnsafeBytes {
            NetworkImporter.openingProblem($0, fileBytes: fileBytes, format: format, name: "drop.onnx")?.description
        }
    }

    func testZerosAreRefusedWithTheImportsOwnWords() throws {
        let zeros = [UInt8](repeating: 0, count: NetworkImporter.openingBytes)
        let early = try XCTUnwrap(problem(zeros, fileBytes: 1 << 30, .onnx))
        XCTAssertEqual(early, "drop.onnx: not a valid ONNX file: a field number is zero")
        // The whole import of (a smaller) file of zeros says the same.
        XCTAssertThrowsError(try NetworkImporter.importData(Data(count: 4096), format: .onnx, name: "drop.onnx",
                                                           batchSize: nil)) {
            XCTAssertEqual("\($0)", early)
        }
    }

    func testTextArchivesAndLengthsPastTheEndAreRefused() {
        // "PK\u{3}\u{4}": a zip archive; 'P' = field 10, wire type 0 then 'K' ... wire type 3 (a group).
        XCTAssertNotNil(problem(Array("PK\u{3}\u{4}rest of an archive".utf8), fileBytes: 1 << 20, .onnx))
        XCTAssertNotNil(problem(Array("hello, this is text".utf8), fileBytes: 1 << 20, .onnx))
        // Field 7 (the graph), length-delimited, claiming 2^20 bytes in a file of 1000.
        XCTAssertEqual(problem([0x3A, 0x80, 0x80, 0x40], fileBytes: 1000, .onnx),
                       "drop.onnx: not a valid ONNX file: a field claims 1048576 bytes but only 996 remain")
        XCTAssertNotNil(problem(Array("[1, 2, 3]".utf8), fileBytes: 1 << 20, .graphJSON))
        XCTAssertNotNil(problem([0, 0, 0], fileBytes: 1 << 20, .graphJSON))
    }

    func testWhatMayStillBeSoundIsLeftToTheImport() {
        // A field cut off by the end of the opening: the rest of the file may complete it.
        XCTAssertNil(problem([0x3A, 0x80, 0x80, 0x40, 0x12], fileBytes: 1 << 22, .onnx))
        XCTAssertNil(problem([0x08, 0x80], fileBytes: 1 << 22, .onnx))
        XCTAssertNil(problem(Array(" \n\u{FEFF}{\"format\"".utf8), fileBytes: 1 << 20, .graphJSON))
        XCTAssertNil(problem(Array("   \n".utf8), fileBytes: 1 << 20, .graphJSON))
        // The opening is the whole file: the import judges it, with everything in hand.
        XCTAssertNil(problem([0, 0, 0], fileBytes: 3, .onnx))
        XCTAssertNil(problem(Array("[]".utf8), fileBytes: 2, .graphJSON))
    }

    func testNoFileOfTheDataSetsIsRefusedAtAnyCut() throws {
        var files: [URL] = []
        for folder in ["data/latency/onnx", "data/latency-transformers/onnx"] {
            let url = ImportTestSupport.repoRoot.appendingPathComponent(folder)
            let found = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil)?.allObjects ?? []
            files += found.compactMap { $0 as? URL }.filter { $0.pathExtension == "onnx" }
                .sorted { $0.path < $1.path }
        }
        XCTAssertGreaterThan(files.count, 700)
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: file))
            for cut in [1, 2, 3, 7, bytes.count / 4, bytes.count / 2, bytes.count - 1] where cut > 0 && cut < bytes.count {
                let opening = Array(bytes[..<min(cut, NetworkImporter.openingBytes)])
                XCTAssertNil(problem(opening, fileBytes: bytes.count, .onnx), "\(file.lastPathComponent) cut at \(cut)")
            }
        }
    }
}
