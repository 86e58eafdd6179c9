import XCTest
@testable import Engine

final class EvaluationReportTests: XCTestCase {
    private let measured = [10.0, 20.0, 30.0, 40.0, 5.0, 6.0]
    private let predicted = [11.0, 19.0, 36.0, 40.2, 5.0, 7.5]
    private let families = ["resnet", "resnet", "resnet", "resnet", "vgg", "vgg"]

    func testJSONHasTheExactSnakeCaseKeys() throws {
        let report = try EvaluationReport.evaluate(predicted: predicted, measured: measured, families: families)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try report.jsonString().utf8)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["count", "mape", "acc1", "acc5", "acc10", "kendall_tau", "spearman", "per_family"])
        XCTAssertEqual(object["count"] as? Int, 6)
        XCTAssertEqual(try XCTUnwrap(object["mape"] as? Double), Metrics.mape(predicted: predicted, measured: measured), accuracy: 1e-12)
        let perFamily = try XCTUnwrap(object["per_family"] as? [String: [String: Any]])
        XCTAssertEqual(Set(perFamily.keys), ["resnet", "vgg"])
        XCTAssertEqual(perFamily["vgg"]?["count"] as? Int, 2)
        XCTAssertEqual(try XCTUnwrap(perFamily["vgg"]?["mape"] as? Double), (0 + 0.25) / 2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(perFamily["resnet"]?["acc10"] as? Double), 0.75, accuracy: 1e-12)
    }

    func testWithoutFamiliesThereIsNoBreakdown() throws {
        let report = try EvaluationReport.evaluate(predicted: predicted, measured: measured)
        XCTAssertNil(report.perFamily)
        XCTAssertFalse(try report.jsonString().contains("per_family"))
    }

    func testUndefinedValuesBecomeNullAndRoundTrip() throws {
        // A one-sample family has no ranking: tau and rho are undefined.
        let report = try EvaluationReport.evaluate(predicted: [1, 2, 3], measured: [1, 2, 2.5], families: ["a", "a", "b"])
        let json = try report.jsonString()
        XCTAssertTrue(json.contains("\"kendall_tau\":null"), json)
        let decoded = try JSONDecoder().decode(EvaluationReport.self, from: Data(json.utf8))
        XCTAssertEqual(decoded, report)
        XCTAssertTrue(try XCTUnwrap(decoded.perFamily?["b"]).kendallTau.isNaN)
    }

    func testBaselinesNestUnderTheirNameAndShowInTheTable() throws {
        var report = try EvaluationReport.evaluate(predicted: predicted, measured: measured, families: families)
        let baseline = try EvaluationReport.evaluate(predicted: measured.map { $0 * 1.5 }, measured: measured)
        report.baselines = ["flops-mac": baseline]
        let json = try report.jsonString()
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let nested = try XCTUnwrap((object["baselines"] as? [String: Any])?["flops-mac"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(nested["mape"] as? Double), 0.5, accuracy: 1e-12)
        XCTAssertEqual(try JSONDecoder().decode(EvaluationReport.self, from: Data(json.utf8)), report)
        let lastRow = try XCTUnwrap(MetricsTable.render(report).split(separator: "\n").last)
        XCTAssertTrue(lastRow.hasPrefix("flops-mac"), String(lastRow))
        XCTAssertTrue(lastRow.contains("50.00%"), String(lastRow))
    }

    func testBadInputsAreClearErrors() {
        XCTAssertEqual(EvalTestData.error { _ = try EvaluationReport.evaluate(predicted: [1], measured: [1, 2]) }, "1 predictions for 2 measurements")
        XCTAssertEqual(EvalTestData.error { _ = try EvaluationReport.evaluate(predicted: [Double](), measured: []) }, "there is nothing to evaluate (no samples)")
        XCTAssertTrue(EvalTestData.error { _ = try EvaluationReport.evaluate(predicted: [1, 1], measured: [1, 0]) }.contains("measurement 2 is 0.0"))
        XCTAssertEqual(EvalTestData.error { _ = try EvaluationReport.evaluate(predicted: [Float.nan, 1], measured: [1, 1]) },
                       "the model produced 1 non-finite predictions of 2")
        XCTAssertEqual(EvalTestData.error { _ = try EvaluationReport.evaluate(predicted: [1, 1], measured: [1, 1], families: ["a"]) },
                       "1 family names for 2 measurements")
    }

    func testTableIsAlignedAndShowsEveryGroup() throws {
        let report = try EvaluationReport.evaluate(predicted: predicted, measured: measured, families: families)
        let table = MetricsTable.render(report)
        let lines = table.split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(Set(lines.map(\.count)).count, 1, "every line as wide as the header:\n\(table)")
        XCTAssertTrue(lines[0].hasPrefix("group"))
        XCTAssertTrue(lines[1].hasPrefix("all "))
        XCTAssertTrue(lines[2].hasPrefix("resnet"))
        XCTAssertTrue(lines[3].hasPrefix("vgg"))
        XCTAssertTrue(lines[3].contains("12.50%"), String(lines[3]))  // vgg MAPE
        XCTAssertTrue(lines[3].hasSuffix("1.000"), String(lines[3]))  // vgg rho
        let constant = MetricsTable.render([(label: "one", metrics: EvaluationMetrics(predicted: [1], measured: [1]))])
        XCTAssertTrue(constant.contains("-"), constant)
    }
}
