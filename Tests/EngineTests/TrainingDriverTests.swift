import Foundation
import XCTest
@testable import Engine

/// The training driver on real committed data: a few AlexNet/VGG networks of
/// `data/latency` and cells of `data/nb201`, a tiny model, a few seconds.
final class TrainingDriverTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let latencyList = repo.appendingPathComponent("data/latency/gt.txt")
    static let trainCSV = repo.appendingPathComponent("data/nb201/train.csv")

    /// 12 networks of two families (alexnet and vgg graphs are small), tokenised without a cache.
    static func smallLatencySet() throws -> TrainingDataset {
        let list = try LatencyList.load(from: latencyList).filtered(includeFamilies: ["alexnet", "vgg"])
        let alex = list.records.filter { $0.family == "alexnet" }.prefix(6)
        let vgg = list.records.filter { $0.family == "vgg" }.prefix(6)
        return try TrainingDataset.latency(LatencyList(source: list.source, records: Array(alex + vgg)), cache: nil)
    }

    static func tinyLatencyConfig() -> ModelConfig {
        ModelConfig(kind: .latency, inDim: 152, hidden: 16, layers: 1, groups: 2, ffnRatio: 2, fcHidden: 16,
                    staticDim: 40, dropout: 0)
    }

    private func temporaryFile(_ name: String) -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-training-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder.appendingPathComponent(name)
    }

    func testLatencyTrainingLowersTheLossAndWritesTheLastEpoch() throws {
        let data = try Self.smallLatencySet()
        XCTAssertEqual(data.encoding, TrainingDataset.networkEncoding)
        XCTAssertTrue(data.samples.allSatisfy { $0.costs != nil && $0.graph.staticFeatures.count == 40 })
        let trained = try TrainingDriver.freshModel(config: Self.tinyLatencyConfig(), seed: 1, for: data, platform: "cpu-ort-1t")
        let before = Metrics.mape(predicted: try trained.predictValues(data.graphs), measured: data.targets)
        var losses: [Double] = []
        let driver = TrainingDriver(recipe: TrainingRecipe(epochs: 40, batchSize: 4, peakLearningRate: 3e-3, seed: 2))
        driver.onEpoch = { _, loss, metrics in losses.append(loss); XCTAssertNil(metrics) }
        let out = temporaryFile("latency.safetensors")
        let result = try driver.run(trained, train: data, checkpoint: out)
        XCTAssertEqual(result.epochsCompleted, 40)
        XCTAssertEqual(result.keptEpoch, 40)
        XCTAssertFalse(result.interrupted)
        XCTAssertEqual(result.steps, 40 * 3)
        let firstLoss = try XCTUnwrap(losses.first), lastLoss = try XCTUnwrap(losses.last)
        XCTAssertLessThan(lastLoss, firstLoss * 0.5, "loss \(firstLoss) -> \(lastLoss)")
        let after = Metrics.mape(predicted: try trained.predictValues(data.graphs), measured: data.targets)
        XCTAssertLessThan(after, before * 0.5, "train MAPE \(before) -> \(after)")

        // The file holds the final weights, the scale and the encoding.
        let loaded = try TrainedModel.load(from: out)
        XCTAssertEqual(loaded.targetScale, trained.targetScale)
        XCTAssertEqual(loaded.metadata.platform, "cpu-ort-1t")
        XCTAssertEqual(loaded.metadata.tokenEncoding, TrainingDataset.networkEncoding)
        XCTAssertEqual(loaded.metadata.trainingDataDigest, data.digest)
        XCTAssertEqual(loaded.version, trained.version)
        XCTAssertEqual(try loaded.predictValues(data.graphs), try trained.predictValues(data.graphs))
    }

    func testValidationKeepsTheBestEpochAndAStopKeepsIt() throws {
        let data = try Self.smallLatencySet()
        let train = data.subset(Array(0..<4) + Array(6..<10)), validation = data.subset([4, 5, 10, 11])
        let trained = try TrainingDriver.freshModel(config: Self.tinyLatencyConfig(), seed: 3, for: train, platform: "p")
        let stop = TrainingStopFlag()
        var epochMAPEs: [Double] = []
        let driver = TrainingDriver(recipe: TrainingRecipe(epochs: 30, batchSize: 4, peakLearningRate: 3e-3, seed: 4), stopFlag: stop)
        driver.onEpoch = { epoch, _, metrics in
            epochMAPEs.append(metrics?.mape ?? .nan)
            if epoch == 12 { stop.request() }   // what Ctrl-C does
        }
        let out = temporaryFile("best.safetensors")
        let result = try driver.run(trained, train: train, validation: validation, checkpoint: out)
        XCTAssertTrue(result.interrupted)
        XCTAssertEqual(result.epochsCompleted, 12)
        let best = try XCTUnwrap(epochMAPEs.enumerated().min { $0.element < $1.element })
        XCTAssertEqual(result.keptEpoch, best.offset + 1)
        XCTAssertEqual(try XCTUnwrap(result.validation).mape, best.element, accuracy: 1e-12)
        // Both the model in memory and the file hold the best epoch's weights.
        for model in [trained, try TrainedModel.load(from: out)] {
            let mape = Metrics.mape(predicted: try model.predictValues(validation.graphs), measured: validation.targets)
            XCTAssertEqual(mape, best.element, accuracy: 1e-6)
        }
        XCTAssertEqual(try XCTUnwrap(try TrainedModel.load(from: out).metrics["epoch"] as? Int), best.offset + 1)
    }

    func testAccuracyTrainingWithRankAndConsistencyLossesLowersTheLoss() throws {
        let table = try NB201Table.load(from: Self.trainCSV).firstRows(48)
        let data = try TrainingDataset.cells(table)
        XCTAssertEqual(data.encoding, TrainingDataset.cellEncoding)
        var config = ModelConfig.paperAccuracy(inDim: NB201Cell.tokenDim)
        config.hidden = 16; config.fcHidden = 16; config.layers = 2; config.groups = 2; config.dropout = 0
        let trained = try TrainingDriver.freshModel(config: config, seed: 5, for: data, platform: "cifar10_test",
                                                    transform: .affine)
        XCTAssertEqual(trained.targetScale, data.targets.sorted()[24])
        XCTAssertEqual(trained.encode(data.targets.sorted()[4]), 0.3, accuracy: 1e-9)
        XCTAssertEqual(trained.decode(trained.encode(93.5)), 93.5, accuracy: 1e-9)
        var recipe = TrainingRecipe.accuracy(epochs: 30, seed: 6)
        recipe.peakLearningRate = 3e-3
        var losses: [Double] = []
        let driver = TrainingDriver(recipe: recipe)
        driver.onEpoch = { _, loss, _ in losses.append(loss) }
        let result = try driver.run(trained, train: data)
        XCTAssertEqual(result.epochsCompleted, 30)
        let firstLoss = try XCTUnwrap(losses.first), lastLoss = try XCTUnwrap(losses.last)
        XCTAssertLessThan(lastLoss, firstLoss * 0.7, "loss \(firstLoss) -> \(lastLoss)")
        // Not MAPE: the affine transform clamps the broken cells far below the 10th
        // percentile, so their absolute error may grow while the ranking part is learnt.
        let predictions = try trained.predictValues(data.graphs)
        XCTAssertTrue(predictions.allSatisfy { $0.isFinite && $0 > 0 && $0 < 150 }, "\(predictions)")
    }

    func testTrainingIsDeterministic() throws {
        let table = try NB201Table.load(from: Self.trainCSV).firstRows(16)
        let data = try TrainingDataset.cells(table)
        var config = ModelConfig.paperAccuracy(inDim: NB201Cell.tokenDim)
        config.hidden = 8; config.fcHidden = 8; config.layers = 1; config.groups = 2
        func once() throws -> [Double] {
            let trained = try TrainingDriver.freshModel(config: config, seed: 7, for: data, platform: "x")
            try TrainingDriver(recipe: .accuracy(epochs: 3, seed: 8)).run(trained, train: data)
            return try trained.predictValues(data.graphs)
        }
        XCTAssertEqual(try once(), try once())
    }

    func testEvaluationJSONOfATrainedModelHasTheKeys() throws {
        let data = try Self.smallLatencySet()
        let trained = try TrainingDriver.freshModel(config: Self.tinyLatencyConfig(), seed: 9, for: data, platform: "p")
        try TrainingDriver(recipe: TrainingRecipe(epochs: 2, batchSize: 6, peakLearningRate: 1e-3)).run(trained, train: data)
        let report = try RegressorEvaluation.evaluate(trained, graphs: data.graphs, measured: data.targets, families: data.families)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(report.jsonString().utf8)) as? [String: Any])
        for key in ["count", "mape", "acc1", "acc5", "acc10", "kendall_tau", "spearman", "per_family"] {
            XCTAssertNotNil(object[key], key)
        }
        let perFamily = try XCTUnwrap(object["per_family"] as? [String: Any])
        XCTAssertEqual(Set(perFamily.keys), ["alexnet", "vgg"])
    }

    func testBadInputsAreClearErrors() throws {
        let data = try Self.smallLatencySet()
        let trained = try TrainingDriver.freshModel(config: Self.tinyLatencyConfig(), seed: 1, for: data, platform: "p")
        XCTAssertThrowsError(try TrainingDriver(recipe: TrainingRecipe(epochs: 0, batchSize: 4, peakLearningRate: 1e-3))
            .run(trained, train: data)) { XCTAssertTrue("\($0)".contains("epochs")) }
        let cells = try TrainingDataset.cells(try NB201Table.load(from: Self.trainCSV).firstRows(4))
        XCTAssertThrowsError(try TrainingDriver(recipe: .latency(epochs: 1)).run(trained, train: cells)) {
            XCTAssertTrue("\($0)".contains("baseline-152"), "\($0)")
        }
        XCTAssertThrowsError(try BaselineKind.flopsMac.predictions(fit: TrainingDataset(encoding: "x", samples: []), test: data))
        XCTAssertThrowsError(try BaselineKind.nb201Ops.predictions(fit: data, test: data)) {
            XCTAssertTrue("\($0)".contains("cells"), "\($0)")
        }
    }
}
