import Foundation
import XCTest
@testable import Engine
#if canImport(Glibc)
import Glibc
#endif

/// A path that is not a regular file is told for what it is before anything opens it, so
/// `predict`, `inspect` and `import` say "a folder" or "a named pipe" rather than the
/// platform's generic message, and a pipe is never opened.
final class ImportFileTypeTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("file-type-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func importError(_ url: URL) -> String? {
        do {
            _ = try NetworkImporter.importFile(at: url)
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testAFolderNamedLikeANetworkIsToldAsAFolder() throws {
        let named = folder.appendingPathComponent("resnet.onnx")
        try FileManager.default.createDirectory(at: named, withIntermediateDirectories: false)
        XCTAssertEqual(importError(named), "resnet.onnx: this is a folder, not a network file (give an .onnx or graph .json file)")
    }

    func testANamedPipeIsToldAsOneWithoutBeingOpened() throws {
        let pipe = folder.appendingPathComponent("waiting.onnx")
        XCTAssertEqual(mkfifo(pipe.path, 0o600), 0)
        // Opening a pipe without a writer would block this test: the check must come first.
        XCTAssertEqual(importError(pipe), "waiting.onnx: this is a named pipe, not a regular file")
    }

    func testAMissingFileIsToldAsMissing() {
        XCTAssertEqual(importError(folder.appendingPathComponent("absent.onnx")), "absent.onnx: there is no such file")
    }

    func testALinkToANetworkFileImportsAsTheFileDoes() throws {
        let target = try ImportTestSupport.fixture("onnx/resnet18-v1-7-no-weight.onnx")
        let link = folder.appendingPathComponent("linked.onnx")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let viaLink = try NetworkImporter.importFile(at: link)
        let direct = try NetworkImporter.importFile(at: target)
        XCTAssertEqual(viaLink.contentHash, direct.contentHash)
        XCTAssertGreaterThan(viaLink.nodeCosts.count, 10)
    }
}
