import Foundation
import XCTest
import TestSupport

/// `narformer eval --predictions FILE`, run as a user would: one CSV row per scored sample.
final class EvalPredictionsCommandTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("eval-predictions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The first rows of the repository's NB201 `val.csv`, scored by the shipped accuracy model.
    private func cells(_ count: Int) throws -> (file: URL, rows: [[String]]) {
        let val = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("data/nb201/val.csv")
        let lines = try String(contentsOf: val, encoding: .utf8).split(whereSeparator: \.isNewline).prefix(count + 1)
        let file = directory.appendingPathComponent("cells.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        return (file, lines.dropFirst().map { $0.split(separator: ",").map(String.init) })
    }

    private func eval(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try NarformerCommand.run(["eval"] + arguments,
                                 environment: ["NARFORMER_CACHE": directory.appendingPathComponent("cache").path])
    }

    func testEveryScoredCellIsOneRow() throws {
        let (data, cells) = try cells(12)
        let out = directory.appendingPathComponent("predictions.csv")
        let (status, output) = try eval(["--data", data.path, "--predictions", out.path, "--json"])
        XCTAssertEqual(status, 0, output)
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "id,family,measured,predicted")
        XCTAssertEqual(lines.count, cells.count + 1)
        for (line, cell) in zip(lines.dropFirst(), cells) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(fields.count, 4, line)
            XCTAssertTrue(fields[0].contains(cell[0]), "\(line) does not name cell \(cell[0])")
            // cifar10_test is the third column of val.csv and the default target.
            XCTAssertEqual(try XCTUnwrap(Double(fields[2])), try XCTUnwrap(Double(cell[2])), accuracy: 1e-9, line)
            let predicted = try XCTUnwrap(Double(fields[3]), line)
            XCTAssertTrue(predicted > 0 && predicted < 100, line)
        }
    }

    func testUnwritablePredictionsFileIsAClearError() throws {
        let (data, _) = try cells(3)
        let out = directory.appendingPathComponent("no-such-folder/predictions.csv")
        let (status, output) = try eval(["--data", data.path, "--predictions", out.path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains(out.path) && output.contains("cannot write the predictions"), output)
        XCTAssertFalse(output.contains("Fatal error"), output)
    }
}
