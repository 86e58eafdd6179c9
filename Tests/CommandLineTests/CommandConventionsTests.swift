import Foundation
import TestSupport
import XCTest

/// What every command shares: the config comes from `--config`, else `$NARFORMER_CONFIG`;
/// a run-time failure exits 1 with plain words and no usage text; a wrong argument exits 64.
final class CommandConventionsTests: XCTestCase {
    private var root: URL!
    private var configFile: String { root.appendingPathComponent("narformer.yaml").path }

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try """
            store: { path: ./store }
            models: { directory: ./models }
            platforms: [{ name: cpu }]
            """.write(toFile: configFile, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    private func assertPlainFailure(_ result: (status: Int32, output: String), contains text: String,
                                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 1, result.output, file: file, line: line)
        XCTAssertTrue(result.output.contains(text), result.output, file: file, line: line)
        XCTAssertFalse(result.output.contains("USAGE"), "a run-time failure prints no usage text: \(result.output)",
                       file: file, line: line)
    }

    func testLearningCommandsReadTheConfigFromTheEnvironment() throws {
        let environment = ["NARFORMER_CONFIG": configFile]
        let retrain = try NarformerCommand.run(["retrain", "--platform", "cpu", "--here"], environment: environment)
        XCTAssertEqual(retrain.status, 0, retrain.output)
        XCTAssertTrue(retrain.output.contains("skipped"), retrain.output)
        let list = try NarformerCommand.run(["models", "list"], environment: environment)
        XCTAssertEqual(list.status, 0, list.output)
        XCTAssertTrue(list.output.contains("no model versions yet"), list.output)
        let status = try NarformerCommand.run(["status"], environment: environment)
        XCTAssertTrue(status.output.contains("cpu"), status.output)
        XCTAssertEqual(status.status, 3, "status exits 3 when the daemon is not running: \(status.output)")
        // --config wins over the environment; a config that cannot be used exits 78 (EX_CONFIG).
        let other = try NarformerCommand.run(["models", "list", "--config", root.path + "/missing.yaml"],
                                             environment: environment)
        XCTAssertEqual(other.status, 78, other.output)
        XCTAssertTrue(other.output.contains("missing.yaml"), other.output)
        XCTAssertFalse(other.output.contains("USAGE"), other.output)
    }

    func testRunTimeFailuresExitOneWithoutUsage() throws {
        let environment = ["NARFORMER_CONFIG": configFile]
        assertPlainFailure(try NarformerCommand.run(["retrain", "--platform", "gpu", "--here"], environment: environment),
                           contains: "platform 'gpu' is not in the config")
        assertPlainFailure(try NarformerCommand.run(["models", "promote", "v9"], environment: environment),
                           contains: "v9")
        assertPlainFailure(try NarformerCommand.run(["import", root.path + "/nonexistent.txt", "--platform", "cpu"],
                                                    environment: environment),
                           contains: "nonexistent.txt")
        assertPlainFailure(try NarformerCommand.run(["export", "--platform", "nope"], environment: environment),
                           contains: "platform 'nope' is not in the config")
        assertPlainFailure(try NarformerCommand.run(["export", "--kind", "speed"], environment: environment),
                           contains: "unknown kind 'speed'")
        // A wrong argument is a usage error.
        let usage = try NarformerCommand.run(["models", "promote", "seven"], environment: environment)
        XCTAssertNotEqual(usage.status, 0)
    }
}
