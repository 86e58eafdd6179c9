import XCTest
import Config

/// Shared helpers: a scratch directory per test and a minimal valid config to vary.
class ConfigTestCase: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("narformer-config-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The smallest config that loads.
    static let minimal = """
        store:
          path: state/store
        models:
          directory: state/models
        platforms:
          - name: cpu
        """

    func check(_ yaml: String, checkFileSystem: Bool = false) -> ConfigCheck {
        NarformerConfig.check(yaml: yaml, file: "test.yaml", baseDirectory: directory.path, checkFileSystem: checkFileSystem)
    }

    /// The only issue `yaml` has; fails the test when it has none or several.
    func onlyIssue(_ yaml: String, checkFileSystem: Bool = false,
                   file: StaticString = #filePath, line: UInt = #line) -> ConfigIssue? {
        let result = check(yaml, checkFileSystem: checkFileSystem)
        XCTAssertNil(result.config, "expected the config to be refused", file: file, line: line)
        XCTAssertEqual(result.issues.count, 1, "issues: \(result.issues)", file: file, line: line)
        return result.issues.first
    }

    func assertIssue(_ issue: ConfigIssue?, line: Int, column: Int, keyPath: String, contains text: String,
                     file: StaticString = #filePath, sourceLine: UInt = #line) {
        guard let issue else { return XCTFail("no issue", file: file, line: sourceLine) }
        XCTAssertEqual(issue.line, line, "\(issue)", file: file, line: sourceLine)
        XCTAssertEqual(issue.column, column, "\(issue)", file: file, line: sourceLine)
        XCTAssertEqual(issue.keyPath.description, keyPath, "\(issue)", file: file, line: sourceLine)
        XCTAssertTrue(issue.message.contains(text), "\(issue) lacks '\(text)'", file: file, line: sourceLine)
    }

    /// The repository root, found from this file's place in it (tests never read /work/shared).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
