import XCTest
@testable import Engine

final class DatasetNB201Tests: XCTestCase {
    private let nb201 = EvalTestData.repoData.appendingPathComponent("nb201")

    func testTrainDefaultsToCifar10Accuracy() throws {
        let table = try NB201Table.load(from: nb201.appendingPathComponent("train.csv"))
        XCTAssertEqual(table.rows.count, 1563)
        XCTAssertEqual(table.targetColumn, "cifar10_test")
        XCTAssertEqual(table.availableTargets, ["cifar10_test", "cifar100_test", "imagenet16_test"])
        XCTAssertEqual(table.rows[0].index, 9785)
        XCTAssertEqual(table.rows[0].target, 93.1050)
        XCTAssertEqual(table.rows[0].line, 2)
        XCTAssertEqual(try table.firstRows(781).rows.count, 781)
        XCTAssertEqual(try table.firstRows(781).rows.last, table.rows[780])
    }

    func testLatencyCSVNeedsADeviceColumnAndListsThem() throws {
        let latency = nb201.appendingPathComponent("latency.csv")
        let message = EvalTestData.error { _ = try NB201Table.load(from: latency) }
        XCTAssertTrue(message.contains("latency.csv: has no target column 'cifar10_test'; available: 1080ti_1, 1080ti_256"), message)
        XCTAssertTrue(message.contains("titanxp_32"), message)
        let pixel = try NB201Table.load(from: latency, target: "pixel3")
        XCTAssertEqual(pixel.rows.count, 1763)
        XCTAssertEqual(pixel.availableTargets.count, 21)
        XCTAssertEqual(pixel.rows[0].target, 14.067)
    }

    func testRowsFromAndRowsNotInSplitLatencyByTrainCSV() throws {
        let table = try NB201Table.load(from: nb201.appendingPathComponent("latency.csv"), target: "gold_6240")
        let train = try table.rows(from: nb201.appendingPathComponent("train.csv"))
        let rest = try table.rows(notIn: nb201.appendingPathComponent("train.csv"))
        let val = try table.rows(from: nb201.appendingPathComponent("val.csv"))
        XCTAssertEqual(train.rows.count, 1563)
        XCTAssertEqual(rest.rows.count, 200)
        XCTAssertEqual(Set(rest.rows.map(\.index)), Set(val.rows.map(\.index)))
        XCTAssertTrue(Set(train.rows.map(\.index)).isDisjoint(with: rest.rows.map(\.index)))
    }

    func testFixtureWithCRLFQuotesAndBlankLine() throws {
        let table = try NB201Table.load(from: try EvalTestData.fixture("mini_nb201.csv"), target: "pixel3")
        XCTAssertEqual(table.rows.map(\.index), [7, 3, 12])
        XCTAssertEqual(table.rows.map(\.target), [14.5, 2.0, 1.25])
        XCTAssertEqual(table.rows.map(\.line), [2, 3, 5])
    }

    func testBadCSVsNameFileLineAndProblem() throws {
        let directory = try EvalTestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
        let cases: [(String, String)] = [
            ("index,arch,cifar10_test\n1,\(good),90\n2,\(good)\n", "bad.csv:3: has 2 fields, the header has 3"),
            ("index,arch,cifar10_test\n1,\(good),90\n1,\(good),91\n", "bad.csv:3: index 1 already appears on line 2"),
            ("index,arch,cifar10_test\nx,\(good),90\n", "bad.csv:2: index 'x' is not a non-negative whole number"),
            ("index,arch,cifar10_test\n1,\(good),ninety\n", "bad.csv:2: cifar10_test value 'ninety' is not a positive number"),
            ("index,arch,cifar10_test\n1,\(good),\n", "bad.csv:2: cifar10_test value '' is not a positive number"),
            ("index,arch,cifar10_test\n1,|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|,90\n", "bad.csv:2: arch '|conv~0|"),
            ("index,arch,cifar10_test\n1,|none~0|+|none~0|none~1|,90\n", "does not have 3 '+'-separated nodes"),
            ("index,arch,cifar10_test\n1,|none~0|+|none~1|none~0|+|none~0|none~1|none~2|,90\n", "'none~1' should read from input 0"),
            ("idx,arch,cifar10_test\n1,\(good),90\n", "bad.csv:1: needs the columns 'index' and 'arch' (it has: idx, arch, cifar10_test)"),
            ("index,arch,arch\n", "bad.csv:1: header names column 'arch' twice"),
            ("index,arch,cifar10_test\n1,\"\(good),90\n", "bad.csv:2: a quote in field 2 is never closed"),
            ("index,arch,cifar10_test\n", "bad.csv: holds no rows"),
            ("", "bad.csv: is empty (no header line)"),
        ]
        for (text, expected) in cases {
            let url = try EvalTestData.write(text, named: "bad.csv", in: directory)
            let message = EvalTestData.error { _ = try NB201Table.load(from: url) }
            XCTAssertTrue(message.contains(expected), "\(message) should contain \(expected)")
        }
        let noIndex = try EvalTestData.write("arch\n\(good)\n", named: "other.csv", in: directory)
        let table = try NB201Table.load(from: try EvalTestData.fixture("mini_nb201.csv"))
        let message = EvalTestData.error { _ = try table.rows(from: noIndex) }
        XCTAssertTrue(message.contains("other.csv:1: has no 'index' column"), message)
        let disjoint = try EvalTestData.write("index\n99\n", named: "disjoint.csv", in: directory)
        XCTAssertTrue(EvalTestData.error { _ = try table.rows(from: disjoint) }.contains("has no rows whose index appears in"))
        XCTAssertTrue(EvalTestData.error { _ = try table.firstRows(4) }.contains("cannot take the first 4 rows of 3"))
    }

    func testEdgeOpsOneHot() throws {
        let cell = try NB201EdgeOps(arch: "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|")
        XCTAssertEqual(cell.ops, [3, 3, 4, 1, 3, 1])
        let features = cell.oneHotFeatures
        XCTAssertEqual(features.count, 30)
        XCTAssertEqual(features.reduce(0, +), 6)
        for (edge, op) in cell.ops.enumerated() { XCTAssertEqual(features[edge * 5 + op], 1) }
    }
}
