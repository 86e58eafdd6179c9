import Foundation
import XCTest
import Config
import TestSupport

/// Runs the built `narformer config check` as a user would (`NarformerCommand`).
final class ConfigCheckCommandTests: ConfigTestCase {
    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try NarformerCommand.run(arguments)
    }

    func testBadFileExitsOneWithOneLinePerProblem() throws {
        let file = directory.appendingPathComponent("bad.yaml")
        try (Self.minimal + "\nengine:\n  treads: 4\nretraining: {interval: 6x}\n").write(to: file, atomically: true, encoding: .utf8)
        let (status, output) = try run(["config", "check", file.path])
        XCTAssertEqual(status, 1, output)
        XCTAssertEqual(output.split(separator: "\n").map(String.init), [
            "\(file.path):8:3: engine.treads: unknown key 'treads'; did you mean 'threads'?",
            "\(file.path):9:24: retraining.interval: '6x' is not a duration: 'x' is not a unit (use ms, s, m, h or d); "
                + "write it like 90s, 15m, 6h, 2d or 1h30m",
        ])
    }

    func testTabIndentExitsOneWithoutAStackTrace() throws {
        let file = try XCTUnwrap(Bundle.module.url(forResource: "tab-indent", withExtension: "yaml", subdirectory: "Fixtures"))
        let (status, output) = try run(["config", "check", file.path])
        XCTAssertEqual(status, 1)
        XCTAssertEqual(output, "\(file.path):4:1: YAML syntax: a tab is used for indentation; YAML allows only spaces there\n")
    }

    func testGoodFileExitsZeroAndShowIsLoadable() throws {
        let file = try XCTUnwrap(Bundle.module.url(forResource: "valid", withExtension: "yaml", subdirectory: "Fixtures"))
        let (status, output) = try run(["config", "check", "--skip-paths", file.path])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.hasPrefix("OK: \(file.path) (1 platform, 1 inbox, store "), output)
        let shown = try run(["config", "show", "--skip-paths", file.path])
        XCTAssertEqual(shown.status, 0, shown.output)
        let reloaded = try NarformerConfig.parse(yaml: shown.output, file: "shown", baseDirectory: "/", checkFileSystem: false)
        XCTAssertEqual(reloaded, try NarformerConfig.load(contentsOf: file.path, checkFileSystem: false))
        XCTAssertEqual(reloaded.store.mapSize, .mebibytes(512))
    }
}
