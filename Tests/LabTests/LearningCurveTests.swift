import ArgumentParser
import Engine
import Foundation
import XCTest
import Inbox
import Lab
import Learning
import TestSupport

/// The pieces of `narformer bench learning-curve`: a short curve through the real intake
/// and retrainer (24 AlexNet networks of the repo's latency list, the shipped default
/// model, one epoch per retrain), the chart, and the command's refusals.
final class LearningCurveTests: XCTestCase {
    private var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-curve-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: work)
    }

    private var listURL: URL { RepositoryData.root.appendingPathComponent("data/latency/gt.txt") }

    /// A curve over `list` from the shipped model, one epoch per retrain, holdout share 0.3.
    private func makeExperiment(_ list: LatencyList, dropSize: Int) throws
        -> (experiment: LatencyLearningCurve, start: URL, dataset: TrainingDataset, settings: LatencyLearningCurve.Settings) {
        let start = try DefaultModels.url(for: .latency)
        let encoding = try XCTUnwrap(TokenEncoding(storedName: try TrainedModel.load(from: start).metadata.tokenEncoding))
        let dataset = try TrainingDataset.latency(list, cache: nil, encoding: encoding)
        var settings = LatencyLearningCurve.Settings()
        settings.dropSize = dropSize
        settings.epochs = 1
        settings.learningRate = 1e-4
        settings.holdoutShare = 0.3
        settings.minHoldout = 1
        return (try LatencyLearningCurve(list: list, dataset: dataset, settings: settings), start, dataset, settings)
    }

    func testShortCurveScoresEveryActiveModelOnTheFixedHashHoldout() async throws {
        let full = try LatencyList.load(from: listURL)
        let list = LatencyList(source: full.source, records: Array(full.records.filter { $0.family == "alexnet" }.prefix(24)))
        XCTAssertEqual(list.records.count, 24)
        let (experiment, start, dataset, settings) = try makeExperiment(list, dropSize: 8)
        var reported: [Int] = []
        let curve = try await experiment.run(name: "alexnet", indices: Array(list.records.indices), startingModel: start,
                                             workDirectory: work, progress: { fed, _ in reported.append(fed) })

        XCTAssertEqual(reported, [8, 16, 24])
        XCTAssertEqual(curve.points.map(\.measurements), [8, 16, 24])
        // The fixed set is the hash holdout of every network fed, exactly what the last
        // retrain's gate judged on.
        let split = HoldoutSplit(share: settings.holdoutShare)
        let hashes = try list.records.map { try NetworkImporter.importFile(at: $0.onnxFile, batchSize: $0.batchSize).contentHash }
        let held = list.records.indices.filter { split.isHoldout(graphHash: hashes[$0]) }
        XCTAssertEqual(curve.evaluated, held.count)
        XCTAssertGreaterThan(held.count, 0)
        let last = try XCTUnwrap(curve.points.last)
        XCTAssertEqual(last.gateHoldout, held.count)
        XCTAssertEqual(last.trained, 24 - held.count)

        // The starting point is the starting model itself on that set.
        let model = try TrainedModel.load(from: start)
        let expected = LatencyLearningCurve.Scores(predicted: try model.predictValues(held.map { dataset.samples[$0].graph }),
                                                   measured: held.map { list.records[$0].latencyMs })
        XCTAssertEqual(curve.start.mape, expected.mape, accuracy: 1e-6)
        XCTAssertEqual(curve.start.spearman, expected.spearman, accuracy: 1e-9)

        // The active version follows the gate's decisions, and its scores follow the version.
        var active = 0
        for point in curve.points {
            if point.decision == "promoted" { active = try XCTUnwrap(point.version) }
            XCTAssertEqual(point.activeVersion, active)
            XCTAssertTrue(point.model.mape.isFinite)
            if point.activeVersion == 0 { XCTAssertEqual(point.model, curve.start) }
            XCTAssertNotNil(point.flopsMac, "FLOPs+MAC is fitted once 3 training-side networks arrived")
        }
        XCTAssertEqual(curve.modelUnder10Percent, curve.measurementsUntilModel(under: 10))

        // Every candidate was fine-tuned from the shipped model in the tokens it reads
        // (the retrainer stored each measured network in every encoding).
        let versions = try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("alexnet/models").path)
            .filter { $0.hasSuffix(".safetensors") }
        XCTAssertEqual(versions.count, curve.points.count, "\(versions)")
        for file in versions {
            let candidate = try TrainedModel.load(from: work.appendingPathComponent("alexnet/models/\(file)"))
            XCTAssertEqual(candidate.metadata.tokenEncoding, model.metadata.tokenEncoding, file)
            XCTAssertEqual(candidate.model.config.readout, model.model.config.readout, file)
        }

        // --json: every point, with a score that does not exist written as "NaN".
        var withGap = curve
        withGap.points[0].model.spearman = .nan
        let json = try LearningCurveReport(settings: settings, curves: [withGap]).json()
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        let curves = try XCTUnwrap(object["curves"] as? [[String: Any]])
        XCTAssertEqual((curves[0]["points"] as? [[String: Any]])?.count, 3)
        XCTAssertEqual((curves[0]["points"] as? [[String: Any]])?[0]["model"].flatMap { ($0 as? [String: Any])?["spearman"] } as? String, "NaN")
    }

    /// The new-families scenario's plumbing: a platform's earlier networks are delivered
    /// first without a retrain and their holdout side is scored after every retrain; the
    /// networks never fed join the fixed set.
    func testEarlierNetworksAreStoredFirstAndScoredAfterEveryRetrain() async throws {
        let full = try LatencyList.load(from: listURL)
        let alexnet = full.records.filter { $0.family == "alexnet" }.prefix(12)
        let vgg = full.records.filter { $0.family == "vgg" }.prefix(10)
        let list = LatencyList(source: full.source, records: Array(alexnet) + Array(vgg))
        let (experiment, start, _, settings) = try makeExperiment(list, dropSize: 4)
        let earlier = Array(0..<12), fed = Array(12..<20), judged = [20, 21]
        let curve = try await experiment.run(name: "families", indices: fed, earlier: earlier, alsoJudged: judged,
                                             startingModel: start, workDirectory: work)
        XCTAssertEqual(curve.points.map(\.measurements), [4, 8], "earlier networks are not counted as the curve's")
        let split = HoldoutSplit(share: settings.holdoutShare)
        let hashes = try list.records.map { try NetworkImporter.importFile(at: $0.onnxFile, batchSize: $0.batchSize).contentHash }
        let heldEarlier = earlier.filter { split.isHoldout(graphHash: hashes[$0]) }
        let heldFed = fed.filter { split.isHoldout(graphHash: hashes[$0]) }
        XCTAssertEqual(curve.earlierEvaluated, heldEarlier.count)
        XCTAssertEqual(curve.evaluated, heldFed.count + judged.count)
        // Every retrain trained on the earlier networks too (replay) and judged old and new.
        let last = try XCTUnwrap(curve.points.last)
        XCTAssertEqual(last.trained + last.gateHoldout, 20)
        XCTAssertEqual(last.gateHoldout, heldEarlier.count + heldFed.count)
        if !heldEarlier.isEmpty {
            XCTAssertNotNil(curve.earlierStart)
            XCTAssertTrue(curve.points.allSatisfy { $0.earlier != nil })
        }
    }

    func testChartDrawsEverySeriesAndClipsHugeErrors() {
        let chart = LearningCurveChart(title: "t <1>", series: [
            .init(label: "model", color: "#000", points: [(0, 190), (10, 12), (20, 8)]),
            .init(label: "FLOPs+MAC", color: "#111", dashed: true, points: [(10, 30), (20, .nan)]),
            .init(label: "rejected", color: "#222", markersOnly: true, points: [(10, 15), (20, 9)]),
        ])
        let svg = chart.svg()
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 2, "markers-only series draw no line")
        XCTAssertEqual(svg.components(separatedBy: "stroke=\"#222\"").count - 1, 3, "two markers and the legend's")
        XCTAssertTrue(svg.contains("FLOPs+MAC"))
        XCTAssertTrue(svg.contains("t &lt;1&gt;"))
        XCTAssertTrue(svg.contains("values above 80% drawn at the top"))
        XCTAssertFalse(svg.contains("nan"))
        XCTAssertEqual(LearningCurveChart.niceStep(720), 100)
        XCTAssertEqual(LearningCurveChart.niceStep(80), 10)
    }

    func testMissingStartingModelNamesTheTrainCommand() throws {
        let missing = try NarformerCommand.run(["bench", "learning-curve", "--data", listURL.path,
                                                "--new-platform", "squeezenet", "--start-models", work.path],
                                               executable: "narformer-lab")
        XCTAssertEqual(missing.status, 1, missing.output)
        XCTAssertTrue(missing.output.contains(work.appendingPathComponent("without-squeezenet.safetensors").path), missing.output)
        XCTAssertTrue(missing.output.contains("--exclude-families squeezenet"), missing.output)
        let unknown = try NarformerCommand.run(["bench", "learning-curve", "--data", listURL.path, "--new-platform", "lenet"],
                                               executable: "narformer-lab")
        XCTAssertEqual(unknown.status, 1, unknown.output)
        XCTAssertTrue(unknown.output.contains("no family 'lenet'"), unknown.output)
        XCTAssertTrue(unknown.output.contains("squeezenet"), unknown.output)
    }
}
