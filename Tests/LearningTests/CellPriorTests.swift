import Config
import Engine
import Foundation
import XCTest
import Learning
import TestSupport

final class CellPriorTests: XCTestCase {
    /// `count` distinct cells' operations, spread over the 15625 by a fixed stride.
    private func cellOps(_ count: Int, offset: Int = 0) -> [[Int]] {
        (0..<count).map { i in
            var code = (offset + i * 7919) % 15625
            return (0..<6).map { _ in defer { code /= 5 }; return code % 5 }
        }
    }

    /// Three made-up devices whose relative costs differ in shape: convolutions dominate on
    /// `gpu-like`, pooling on `phone-like`, and the first edges on `cpu-like`.
    private func syntheticPriors() throws -> CellPriors {
        func device(_ cost: (Int, Int) -> Double) -> CellPriors.Device {
            var coefficients = [1.0]
            for edge in 0..<6 { for op in 1...4 { coefficients.append(cost(edge, op)) } }
            return CellPriors.Device(coefficients: coefficients, floor: 0.01, meanMs: 1, cells: 100)
        }
        return CellPriors(devices: [
            "gpu-like": device { _, op in [0, 0.05, 0.6, 1.5, 0.1][op] },
            "phone-like": device { _, op in [0, 0.3, 0.2, 0.4, 1.2][op] },
            "cpu-like": device { edge, op in [0, 0.1, 0.5, 1.0, 0.3][op] * Double(6 - edge) / 3 },
        ])
    }

    func testAdaptationCentresOnTheDeviceClosestToTheMeasuredCellsAndFitsItsLevel() throws {
        let priors = try syntheticPriors()
        let phone = try XCTUnwrap(priors.devices["phone-like"]).costs
        // Ten cells of a device shaped like phone-like at 7.3 ms per relative unit, 2% noise.
        let measured = cellOps(10).enumerated().map { i, ops in
            (ops: ops, latencyMs: 7.3 * phone.predict(ops) * (1 + 0.02 * (i % 2 == 0 ? 1 : -1)))
        }
        let result = try CellPriorAdaptation(priors: priors).adapt(cells: measured)
        XCTAssertEqual(result.source, "phone-like")
        XCTAssertEqual(result.scale, 7.3, accuracy: 7.3 * 0.03)
        let unseen = cellOps(200, offset: 11)
        let rho = Metrics.spearman(unseen.map(result.costs.predict), unseen.map { phone.predict($0) })
        XCTAssertGreaterThan(rho, 0.99)
        // Left out of the priors, the device cannot be chosen: another one is.
        let without = try CellPriorAdaptation(priors: priors.excluding("phone-like")).adapt(cells: measured)
        XCTAssertNotEqual(without.source, "phone-like")
        XCTAssertNotNil(without.source)
        // One cell cannot rank: the prior is the mean profile.
        XCTAssertNil(try CellPriorAdaptation(priors: priors).adapt(cells: [measured[0]]).source)
    }

    /// Two devices that order every cell alike (one is the other plus a fixed overhead per
    /// cell) cannot be told apart by ranks; the measurements are a multiple of one of them,
    /// and that one is chosen, whichever name sorts first.
    func testOfDevicesThatRankTheCellsAlikeTheOneCloseAfterOneScaleIsChosen() throws {
        let gpu = try XCTUnwrap(try syntheticPriors().devices["gpu-like"])
        var overhead = gpu
        overhead.coefficients[0] += 4
        let gpuCosts = try gpu.costs, overheadCosts = try overhead.costs
        for (truth, shifted) in [("a-device", "b-overhead"), ("b-device", "a-overhead")] {
            let priors = CellPriors(devices: [truth: gpu, shifted: overhead])
            let measured = cellOps(10).map { ops in (ops: ops, latencyMs: 3 * gpuCosts.predict(ops)) }
            XCTAssertEqual(Metrics.spearman(measured.map { overheadCosts.predict($0.ops) }, measured.map(\.latencyMs)),
                           Metrics.spearman(measured.map { gpuCosts.predict($0.ops) }, measured.map(\.latencyMs)))
            let result = try CellPriorAdaptation(priors: priors).adapt(cells: measured)
            XCTAssertEqual(result.source, truth)
            XCTAssertEqual(result.scale, 3, accuracy: 1e-9)
        }
    }

    func testManyMeasuredCellsMoveThePosteriorAwayFromEveryPrior() throws {
        let priors = try syntheticPriors()
        // A device unlike any prior: the 3x3 convolution on edge 5 and the pooling on edge 0 cost.
        func truth(_ ops: [Int]) -> Double { 2 + (ops[5] == 3 ? 5 : 0) + (ops[0] == 4 ? 1.5 : 0) + 0.1 * Double(ops[2]) }
        let cells = cellOps(400).map { (ops: $0, latencyMs: truth($0)) }
        let result = try CellPriorAdaptation(priors: priors).adapt(cells: cells)
        let unseen = cellOps(300, offset: 3)
        let measured = unseen.map(truth)
        let posterior = EvaluationMetrics(predicted: unseen.map(result.costs.predict), measured: measured)
        for (name, device) in priors.devices {
            let profile = try device.costs
            let predicted = unseen.map(profile.predict)
            // The prior at its best level on these cells.
            let level = exp(zip(measured, predicted).map { log($0 / $1) }.reduce(0, +) / Double(unseen.count))
            let prior = EvaluationMetrics(predicted: predicted.map { $0 * level }, measured: measured)
            XCTAssertGreaterThan(posterior.spearman, prior.spearman + 0.05, name)
            XCTAssertLessThan(posterior.mape, prior.mape / 2, name)
        }
    }

    func testFromTheOwnFitMinimumTheProfileIsThePlatformsOwnOpCountFit() throws {
        let priors = try syntheticPriors()
        let gpu = try XCTUnwrap(priors.devices["gpu-like"]).costs
        // Like gpu-like at 4 ms per unit, plus an interaction and a wobble no additive profile holds.
        func latency(_ ops: [Int]) -> Double {
            4 * gpu.predict(ops) + (ops[1] == 3 && ops[4] == 4 ? 0.8 : 0) + 0.2 * sin(Double(ops[2] * 5 + ops[3]))
        }
        let ops = cellOps(500)
        let cells = ops.map { (ops: $0, latencyMs: latency($0)) }
        let opCounts = try NB201OpCountBaseline(training: try ops.map { try NB201EdgeOps(ops: $0) }, targets: cells.map(\.latencyMs))
        let unseen = cellOps(300, offset: 5)
        let own = try unseen.map { opCounts.predict(try NB201EdgeOps(ops: $0)) }

        var adaptation = CellPriorAdaptation(priors: priors)
        adaptation.ownFitMinimum = cells.count
        let fitted = try adaptation.adapt(cells: cells)
        XCTAssertTrue(fitted.ownFit)
        XCTAssertEqual(fitted.source, "gpu-like", "the priors still name the nearest device")
        for (ops, expected) in zip(unseen, own) { XCTAssertEqual(fitted.costs.predict(ops), expected, accuracy: 1e-9) }
        XCTAssertEqual(Metrics.spearman(unseen.map(fitted.costs.predict), own), 1, accuracy: 1e-12)

        // One cell fewer: the posterior, pulled towards gpu-like, is not the own fit.
        adaptation.ownFitMinimum = cells.count + 1
        let posterior = try adaptation.adapt(cells: cells)
        XCTAssertFalse(posterior.ownFit)
        let largest = zip(unseen.map(posterior.costs.predict), own).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(largest, 1e-3)
    }

    /// On an exactly additive device the base ranks every cell right: a residual can only
    /// reorder them, fails its check on the held-back fifth and is switched off.
    func testAResidualThatCannotRankHeldBackCellsBetterThanItsBaseIsNotKept() throws {
        let samples = try SyntheticCells.cells(CellCandidateRecipe.defaultResidualMinimum).enumerated().map { i, cell in
            MeasuredSample(measurementID: "\(i)", graphHash: "\(i)", graph: try NB201Cell(arch: cell.arch).tokenGraph(),
                           latencyMs: Float(cell.latency))
        }
        var recipe = CellCandidateRecipe(priors: try syntheticPriors(),
                                         plan: CandidateTraining.Plan(epochs: 2, batchSize: 16, learningRate: 1e-3, seed: 1))
        let checked = try recipe.make(platform: "cpu", training: samples)
        XCTAssertFalse(checked.residualTrained)
        XCTAssertEqual(checked.model.transformWidth, CellCandidateRecipe.networkOffWidth)
        recipe.checksResidual = false
        XCTAssertTrue(try recipe.make(platform: "cpu", training: samples).residualTrained)
    }

    /// The start-weight penalty keeps a fine-tune near a checkpoint; a residual network
    /// that starts from fresh weights is trained without it, whatever the plan says.
    func testAFreshResidualIsNotPulledTowardItsRandomStart() throws {
        let samples = try SyntheticCells.cells(40).enumerated().map { i, cell in
            MeasuredSample(measurementID: "\(i)", graphHash: "\(i)", graph: try NB201Cell(arch: cell.arch).tokenGraph(),
                           latencyMs: Float(cell.latency))
        }
        func residualPredictions(startPenalty: Double) throws -> [Double] {
            var recipe = CellCandidateRecipe(priors: try syntheticPriors(),
                                             plan: CandidateTraining.Plan(epochs: 3, batchSize: 8, learningRate: 1e-2, seed: 1,
                                                                          startPenalty: startPenalty),
                                             residualMinimum: 1)
            recipe.checksResidual = false
            let made = try recipe.make(platform: "cpu", training: samples)
            XCTAssertTrue(made.residualTrained)
            return try CandidateTraining.predict(made.model, samples)
        }
        XCTAssertGreaterThan(CandidateTraining.Plan.defaultStartPenalty, 0)
        XCTAssertEqual(try residualPredictions(startPenalty: CandidateTraining.Plan.defaultStartPenalty),
                       try residualPredictions(startPenalty: 0))
        XCTAssertEqual(CandidateTraining.Plan(epochs: 1, batchSize: 1, learningRate: 1, seed: 0).forFreshWeights.startPenalty, 0)
    }

    func testTheShippedPriorsLoadWithEveryNB201Device() throws {
        let priors = try CellPriors.shipped(environment: [:])
        XCTAssertEqual(priors.devices.count, 21)
        for name in ["1080ti_1", "gold_6240", "pixel3", "samsung_a50", "titanxp_256"] {
            let device = try XCTUnwrap(priors.devices[name], name)
            XCTAssertGreaterThan(device.cells, 1000)
            // Relative costs: the fitted cells' mean is 1, so a middling cell costs about 1.
            XCTAssertEqual(try device.costs.predict([1, 2, 3, 4, 1, 2]), 1, accuracy: 0.6, name)
        }
        XCTAssertThrowsError(try CellPriors.load(from: URL(fileURLWithPath: "/nonexistent/priors.json"))) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/priors.json"), "\(error)")
        }
    }
}

final class CellRetrainTests: XCTestCase {
    /// A platform served by the shipped whole-network model receives ten cells: its first
    /// retrain, with a config's default settings, trains a cell model from the cell priors,
    /// judged by cross-validation, and promotes it.
    func testACellDropOnAPlatformWhoseDefaultIsTheNetworkModelYieldsACellModel() async throws {
        let space = try LearningWorkspace()
        let cells = SyntheticCells.cells(10)
        let outcome = await space.processor().process([space.claimed("cells.yaml", SyntheticCells.yaml(cells))])[0]
        guard case .done = outcome else { return XCTFail("\(outcome)") }
        let config = NarformerConfig(store: StoreConfig(path: space.storePath), models: ModelsConfig(directory: space.modelsPath),
                                     platforms: [PlatformConfig(name: "cpu")])
        let settings = RetrainSettings(config: config, locator: DefaultModelLocator(environment: [:]))
        let network = try XCTUnwrap(settings.defaultCheckpoint("cpu"))
        XCTAssertEqual(try TrainedModel.load(from: network).model.config.kind, .latency, "the default reads whole networks")

        let report = try await Retrainer(store: space.store, settings: settings, tokens: space.tokens, registry: nil)
            .retrain(platform: "cpu")
        XCTAssertEqual(report.decision, .promoted, report.summary)
        XCTAssertEqual(report.withoutTokens, 0)
        XCTAssertEqual(report.trainingSize, 10)
        XCTAssertNotNil(report.crossValidationFolds, report.summary)
        XCTAssertNotNil(report.cellPrior)
        XCTAssertTrue(report.summary.contains("cell prior"), report.summary)
        let record = try XCTUnwrap(try space.store.read { try $0.activeModel(platform: "cpu") })
        let model = try TrainedModel.load(from: URL(fileURLWithPath: record.weightsPath))
        XCTAssertNotNil(model.cellBase)
        XCTAssertEqual(model.model.config.inDim, NB201Cell.tokenDim)
        let unseen = SyntheticCells.cells(300, offset: 1)
        let predicted = try model.predictValues(try unseen.map { try NB201Cell(arch: $0.arch).tokenGraph() })
        // Measured: rho 0.94, MAPE 15% on 300 unseen cells of this made-up device from 10.
        XCTAssertGreaterThan(Metrics.spearman(predicted, unseen.map(\.latency)), 0.9)
        XCTAssertLessThan(EvaluationMetrics(predicted: predicted, measured: unseen.map(\.latency)).mape, 0.2)
    }

    /// A cell model of the recipe, its network switched off, fine-tuned by settings without
    /// cell priors (cells trained like networks): its width is opened first, so it trains.
    func testACellRecipeModelCanBeFineTunedLikeANetworkModel() async throws {
        let space = try LearningWorkspace()
        let cells = SyntheticCells.cells(40)
        guard case .done = await space.processor().process([space.claimed("c.yaml", SyntheticCells.yaml(cells))])[0] else {
            return XCTFail("measurements not stored")
        }
        var withPriors = RetrainSettings(retraining: RetrainingConfig(epochs: 2), modelsDirectory: space.modelsPath)
        withPriors.cellPriors = { try CellPriors.shipped(environment: [:]) }
        let first = try await Retrainer(store: space.store, settings: withPriors, tokens: space.tokens, registry: nil)
            .retrain(platform: "cpu")
        XCTAssertEqual(first.decision, .promoted, first.summary)
        let made = try TrainedModel.load(from: URL(fileURLWithPath: try XCTUnwrap(try space.store.read { try $0.activeModel(platform: "cpu") }).weightsPath))
        XCTAssertEqual(made.transformWidth, CellCandidateRecipe.networkOffWidth)

        let plain = RetrainSettings(retraining: RetrainingConfig(epochs: 2, initialWeights: .activeModel),
                                    modelsDirectory: space.modelsPath)
        let second = try await Retrainer(store: space.store, settings: plain, tokens: space.tokens, registry: nil)
            .retrain(platform: "cpu")
        XCTAssertNotNil(second.version, second.summary)
        XCTAssertNil(second.cellPrior)
        let tuned = try TrainedModel.load(from: URL(fileURLWithPath: try XCTUnwrap(try space.store.read { try $0.models(platform: "cpu") }.last).weightsPath))
        XCTAssertNotNil(tuned.cellBase, "the base travels with the fine-tuned model")
        XCTAssertGreaterThan(tuned.transformWidth, 1e-3 / 2)
    }
}
