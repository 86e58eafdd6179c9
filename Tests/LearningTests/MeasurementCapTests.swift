import Config
import Foundation
import XCTest
import Inbox
import Learning
import TestSupport

/// A measurement file's budget: records are counted (aliases as the records they stand
/// for) before the document is built, and each network is imported once per file.
final class MeasurementCapTests: XCTestCase {
    private static let cell = "|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|"

    private static func aliased(_ aliases: Int) -> Data {
        var text = "measurements:\n  - &r {cell: '\(cell)', batch_size: 1, latency_ms: 1.5}\n"
        for _ in 0..<aliases { text += "  - *r\n" }
        return Data(text.utf8)
    }

    func testHalfAMillionAliasesAreRefusedBeforeTheyAreBuilt() throws {
        let bomb = Self.aliased(500_000)
        let started = ContinuousClock.now
        XCTAssertThrowsError(try MeasurementFileParser.parse(bomb, file: "bomb.yaml", platforms: ["cpu"],
                                                             defaultPlatform: "cpu")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("bomb.yaml: "), text)
            XCTAssertTrue(text.contains("more than \(LimitsConfig.defaultMeasurementRecords) records"), text)
            XCTAssertTrue(text.contains("limits.measurement_records"), text)
        }
        let spent = ContinuousClock.now - started
        print("refused \(bomb.count) bytes of aliases in \(spent)")
        XCTAssertLessThan(spent, .seconds(2))
    }

    func testTheCapCountsLiteralAndAliasedRecordsAlike() throws {
        XCTAssertEqual(try MeasurementFileParser.parse(Self.aliased(3), file: "ok.yaml", platforms: ["cpu"],
                                                       defaultPlatform: "cpu", maxRecords: 4).count, 4)
        XCTAssertThrowsError(try MeasurementFileParser.parse(Self.aliased(4), file: "five.yaml", platforms: ["cpu"],
                                                             defaultPlatform: "cpu", maxRecords: 4)) { error in
            XCTAssertTrue("\(error)".contains("more than 4 records"), "\(error)")
        }
        let literal = SyntheticCells.yaml(SyntheticCells.cells(5))
        XCTAssertThrowsError(try MeasurementFileParser.parse(Data(literal.utf8), file: "lit.yaml", platforms: ["cpu"],
                                                             defaultPlatform: "cpu", maxRecords: 4)) { error in
            XCTAssertTrue("\(error)".contains("more than 4 records"), "\(error)")
        }
        // Nested aliases (billion laughs) are values, not records: refused by their worth in nodes.
        var laughs = "measurements:\n  - {cell: a, batch_size: 1, latency_ms: 1, device: &l0 [x, x, x, x, x, x, x, x, x, x]}\n"
        for level in 1..<8 { laughs += "  - {cell: a, batch_size: 1, latency_ms: 1, device: &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]}\n" }
        XCTAssertThrowsError(try MeasurementFileParser.parse(Data(laughs.utf8), file: "laughs.yaml", platforms: ["cpu"],
                                                             defaultPlatform: "cpu", maxRecords: 4)) { error in
            XCTAssertTrue("\(error)".contains("more YAML values than 4 records can hold"), "\(error)")
        }
    }

    func testRecordsNamingOneCellImportItOnce() async throws {
        let space = try LearningWorkspace()
        let processor = space.processor()
        var drop = space.claimed("cells.yaml", String(decoding: Self.aliased(999), as: UTF8.self))
        let progress = DropProgress()
        drop.progress = progress
        guard case .done(let json, _) = await processor.process([drop])[0] else { return XCTFail("not stored") }
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual((result["measurements"] as? [Any])?.count, 1000)
        XCTAssertEqual(progress.beats, 1, "one import (a cell reports one phase) for 1000 records")
    }
}
