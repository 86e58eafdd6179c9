import Foundation
import XCTest
import Config

/// Checks that look at the disk: what must exist, what the daemon may create, and the
/// limits of socket paths.
final class ConfigFileSystemTests: ConfigTestCase {
    func testMissingDirectoriesThatCanBeCreatedAreNotedNotRefused() throws {
        let result = check(Self.minimal + "\ninboxes:\n  - {name: a, path: far/away/inbox, platform: cpu}\n",
                           checkFileSystem: true)
        XCTAssertNotNil(result.config, "\(result.issues)")
        let base = directory.standardizedFileURL.path
        XCTAssertEqual(result.notes.map(\.keyPath.description), ["store.path", "models.directory", "inboxes[0].path"])
        XCTAssertTrue(result.notes[2].message.contains("\(base)/far/away/inbox does not exist yet; narformer will create it"))
        XCTAssertEqual(result.reportLines.first, "OK: test.yaml (1 platform, 1 inbox, store \(base)/state/store)")
        XCTAssertEqual(result.reportLines.count, 4)
    }

    func testAPathUnderAFileCannotBeCreated() throws {
        try Data("not a folder".utf8).write(to: directory.appendingPathComponent("blocker"))
        let yaml = Self.minimal + "\ninboxes:\n  - {name: a, path: blocker/inbox, platform: cpu}\n"
        let issue = onlyIssue(yaml, checkFileSystem: true)
        let base = directory.standardizedFileURL.path
        assertIssue(issue, line: 8, column: 21, keyPath: "inboxes[0].path",
                    contains: "\(base)/blocker/inbox cannot be created: \(base)/blocker is not a directory")
        // Without disk checks the same config loads.
        XCTAssertNotNil(check(yaml, checkFileSystem: false).config)
    }

    func testADirectoryPathThatIsAFile() throws {
        try Data().write(to: directory.appendingPathComponent("store-file"))
        let issue = onlyIssue(Self.minimal.replacingOccurrences(of: "state/store", with: "store-file"), checkFileSystem: true)
        assertIssue(issue, line: 2, column: 9, keyPath: "store.path", contains: "store-file exists but is not a directory")
    }

    func testModelFilesNamedInTheConfigMustExist() throws {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("folder"), withIntermediateDirectories: true)
        try Data("weights".utf8).write(to: directory.appendingPathComponent("latency.bin"))
        let yaml = Self.minimal.replacingOccurrences(of: "directory: state/models", with: """
            directory: state/models
              default_latency: latency.bin
              default_accuracy: folder
            """)
        let issue = onlyIssue(yaml, checkFileSystem: true)
        assertIssue(issue, line: 6, column: 21, keyPath: "models.default_accuracy", contains: "is a directory; a file is expected")
        let missing = onlyIssue(yaml.replacingOccurrences(of: "default_accuracy: folder", with: "default_accuracy: gone.bin"),
                                checkFileSystem: true)
        assertIssue(missing, line: 6, column: 21, keyPath: "models.default_accuracy", contains: "no such file: ")
        let config = try XCTUnwrap(check(yaml.replacingOccurrences(of: "default_accuracy: folder", with: ""),
                                         checkFileSystem: true).config)
        XCTAssertEqual(config.models.defaultLatency, directory.standardizedFileURL.path + "/latency.bin")
        XCTAssertNil(config.models.defaultAccuracy)
    }

    func testHomeRelativePathsAreRefused() {
        let issue = onlyIssue(Self.minimal.replacingOccurrences(of: "state/store", with: "~/store"))
        assertIssue(issue, line: 2, column: 9, keyPath: "store.path", contains: "'~' is not expanded")
    }
}
