import XCTest
@testable import Engine

/// Measures the op-count baseline on the real split: for each of the 21
/// devices of latency.csv, fit on the cells of train.csv, score on those of val.csv.
/// The table it prints is the baseline the NAR-Former model has to beat.
final class EvaluationNB201BaselineTests: XCTestCase {
    func testOpCountBaselinePerDevice() throws {
        let folder = EvalTestData.repoData.appendingPathComponent("nb201")
        let latency = folder.appendingPathComponent("latency.csv")
        let devices = try NB201Table.load(from: latency, target: "pixel3").availableTargets
        XCTAssertEqual(devices.count, 21)
        let trainIndices = try NB201Table.indices(in: folder.appendingPathComponent("train.csv"))
        let valIndices = try NB201Table.indices(in: folder.appendingPathComponent("val.csv"))
        var rows: [(label: String, metrics: EvaluationMetrics)] = []
        for device in devices {
            let table = try NB201Table.load(from: latency, target: device)
            let train = try table.rows(withIndexIn: trainIndices).rows
            let test = try table.rows(withIndexIn: valIndices).rows
            XCTAssertEqual(train.count, 1563)
            let baseline = try NB201OpCountBaseline(training: train.map { try NB201EdgeOps(arch: $0.arch) },
                                                    targets: train.map(\.target))
            let predicted = try baseline.predict(test.map { try NB201EdgeOps(arch: $0.arch) })
            let report = try EvaluationReport.evaluate(predicted: predicted, measured: test.map(\.target))
            XCTAssertEqual(report.overall.count, 200)
            rows.append((device, report.overall))
        }
        let mean = { (key: KeyPath<EvaluationMetrics, Double>) in rows.map { $0.metrics[keyPath: key] }.reduce(0, +) / Double(rows.count) }
        let meanRow = EvaluationMetrics(count: 200, mape: mean(\.mape), acc1: mean(\.acc1), acc5: mean(\.acc5),
                                        acc10: mean(\.acc10), kendallTau: mean(\.kendallTau), spearman: mean(\.spearman))
        print("NB201 op-count baseline (train.csv cells -> val.csv cells):\n" + MetricsTable.render(rows + [("mean", meanRow)]))
        // Issue 5 quotes a mean Spearman of about 0.978 for this baseline on this split.
        XCTAssertEqual(meanRow.spearman, 0.978, accuracy: 0.006)
        for row in rows { XCTAssertGreaterThan(row.metrics.spearman, 0.85, row.label) }
    }
}
