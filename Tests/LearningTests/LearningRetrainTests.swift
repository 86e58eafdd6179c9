import Config
import Engine
import Foundation
import Glibc
import Store
import XCTest
import Inbox
import Learning
import ServiceLifecycle
import TestSupport

final class LearningRetrainTests: XCTestCase {
    /// A small cell model so a retrain takes a fraction of a second.
    private static let smallCellModel = ModelConfig(kind: .accuracy, inDim: NB201Cell.tokenDim, hidden: 32, layers: 2,
                                                    groups: 4, ffnRatio: 2, fcHidden: 32, staticDim: 0,
                                                    readout: .mean, dropout: 0)

    private func settings(_ space: LearningWorkspace, initialWeights: InitialWeights = .activeModel, epochs: Int,
                          learningRate: Double = 3e-3, minHoldout: Int = 1, crossValidateBelow: Int? = nil,
                          keepRejected: Int = RetrainingConfig.defaultKeepRejected) -> RetrainSettings {
        RetrainSettings(
            retraining: RetrainingConfig(minNewMeasurements: 10, epochs: epochs, batchSize: 16, learningRate: learningRate,
                                         holdoutShare: 0.25, initialWeights: initialWeights,
                                         promotion: PromotionRule(minHoldout: minHoldout, crossValidateBelow: crossValidateBelow),
                                         nice: 5, keepRejected: keepRejected),
            modelsDirectory: space.modelsPath, scratchConfig: { _ in Self.smallCellModel })
    }

    private func feed(_ space: LearningWorkspace, _ cells: [(arch: String, latency: Double)]) async throws {
        let outcome = await space.processor().process([space.claimed("cells.yaml", SyntheticCells.yaml(cells))])[0]
        guard case .done = outcome else {
            throw MeasurementFileError(file: "cells.yaml", line: nil, field: nil, problem: "not stored: \(outcome)")
        }
    }

    private func retrainer(_ space: LearningWorkspace, _ settings: RetrainSettings, registry: ModelRegistry? = nil) -> Retrainer {
        Retrainer(store: space.store, settings: settings, tokens: space.tokens, registry: registry)
    }

    func testCalibrationMovesEveryPredictionOfTheShippedModelByOneFactor() throws {
        let model = try DefaultModels.load(.latency)
        let samples = try RepositoryData.alexnetNumbers(6).enumerated().map { i, number -> MeasuredSample in
            let graph = try NetworkImporter.importFile(at: RepositoryData.alexnet(number), batchSize: 1)
                .tokens(storedEncoding: model.metadata.tokenEncoding)
            return MeasuredSample(measurementID: "\(i)", graphHash: "\(i)", graph: graph, latencyMs: 1)
        }
        let before = try CandidateTraining.predict(model, samples)
        // Measured = 3x predicted on every network: the factor is 3 and so is every new ratio.
        let measured = samples.enumerated().map { i, sample -> MeasuredSample in
            var copy = sample
            copy.latencyMs = Float(3 * before[i])
            return copy
        }
        XCTAssertEqual(try CandidateTraining.calibrateScale(model, on: measured), 3, accuracy: 1e-3)
        for (old, new) in zip(before, try CandidateTraining.predict(model, samples)) {
            XCTAssertEqual(new / old, 3, accuracy: 1e-3)
        }
        let accuracy = try DefaultModels.load(.accuracy)
        XCTAssertEqual(try CandidateTraining.calibrateScale(accuracy, on: measured), 1, "accuracy (quantile) models are left alone")
    }

    /// Ten synthetic cells of which exactly `held` fall in the 25% hash holdout.
    private func cells(holdingOut held: Int) throws -> [(arch: String, latency: Double)] {
        let split = HoldoutSplit(share: 0.25)
        var chosen: [(arch: String, latency: Double)] = []
        var count = 0
        for cell in SyntheticCells.cells(200) where chosen.count < 10 {
            let json = try JSONSerialization.data(withJSONObject: ["format": "narformer-graph", "version": 1,
                                                                   "cell": cell.arch] as [String: Any])
            let hash = try NetworkImporter.importData(json, format: .graphJSON, name: "cell").contentHash
            if split.isHoldout(graphHash: hash) {
                if count == held { continue }
                count += 1
            } else if chosen.count - count == 10 - held {
                continue
            }
            chosen.append(cell)
        }
        XCTAssertEqual(count, held)
        XCTAssertEqual(chosen.count, 10)
        return chosen
    }

    func testRetrainJudgedOnOneHeldOutNetworkIsStillRecorded() async throws {
        let space = try LearningWorkspace()
        // Exactly one held out: its rank correlation does not exist, and the candidate's
        // checkpoint must still be written.
        try await feed(space, try cells(holdingOut: 1))
        let report = try await retrainer(space, settings(space, epochs: 1)).retrain(platform: "cpu")
        XCTAssertEqual(report.holdoutSize, 1)
        XCTAssertEqual(report.decision, .promoted, report.summary)
        let version = try XCTUnwrap(report.version)
        XCTAssertTrue(FileManager.default.fileExists(atPath: space.modelsPath + "/cpu-v\(version).safetensors"))
    }

    /// Fewer held-out networks than promotion.min_holdout: the candidate recipe is judged by
    /// cross-validation over every measured network, and the kept candidate trains on all.
    func testYoungPlatformIsJudgedByCrossValidation() async throws {
        let space = try LearningWorkspace()
        try await feed(space, try cells(holdingOut: 2))
        let report = try await retrainer(space, settings(space, initialWeights: .scratch, epochs: 2, minHoldout: 3))
            .retrain(platform: "cpu")
        XCTAssertEqual(report.crossValidationFolds, 5, report.summary)
        XCTAssertEqual(report.trainingSize, 10)
        XCTAssertEqual(report.holdoutSize, 10, "every network is judged once, out of fold")
        XCTAssertTrue(report.summary.contains("judged by 5-fold cross-validation"), report.summary)
        XCTAssertEqual(report.decision, .promoted, report.summary)
        let record = try XCTUnwrap(try space.store.read { try $0.activeModel(platform: "cpu") })
        XCTAssertEqual(record.metrics["cv_folds"], 5)
        XCTAssertEqual(record.trainingSetSize, 10)
        // The same measurements give the same folds and the same candidate.
        let again = try await retrainer(space, settings(space, initialWeights: .scratch, epochs: 2, minHoldout: 3))
            .retrain(platform: "cpu")
        XCTAssertEqual(again.candidateMetrics["mape"], report.candidateMetrics["mape"])
        // Two held out is enough for the fixed holdout once the rule asks for two.
        let fixed = try await retrainer(space, settings(space, epochs: 1, minHoldout: 2)).retrain(platform: "cpu")
        XCTAssertNil(fixed.crossValidationFolds)
        XCTAssertEqual(fixed.holdoutSize, 2)
        // A rule that keeps cross-validating until the holdout holds three: the first
        // retrain still happens from two networks, judged on all ten out of fold.
        let longer = try await retrainer(space, settings(space, epochs: 1, minHoldout: 2, crossValidateBelow: 3))
            .retrain(platform: "cpu")
        XCTAssertEqual(longer.crossValidationFolds, 5, longer.summary)
        XCTAssertEqual(longer.trainingSize, 10)
    }

    /// A version trained on every measurement of a young platform is compared only on
    /// networks measured after it was made: on the ones it trained on it would win by memory.
    func testTheActiveVersionIsComparedOnlyOnNetworksItNeverTrainedOn() async throws {
        let space = try LearningWorkspace()
        try await feed(space, SyntheticCells.cells(10))
        let first = try await retrainer(space, settings(space, epochs: 2, minHoldout: 5)).retrain(platform: "cpu")
        XCTAssertEqual(first.crossValidationFolds, 5, first.summary)
        XCTAssertFalse(first.judgedOnUnseen, "the default model (none here) saw nothing of the platform")
        try await Task.sleep(for: .milliseconds(5))
        try await feed(space, SyntheticCells.cells(8, offset: 3))
        // 7 of the 18 fall in the fixed holdout, fewer than 8: still cross-validation.
        let second = try await retrainer(space, settings(space, epochs: 2, minHoldout: 8)).retrain(platform: "cpu")
        XCTAssertEqual(second.crossValidationFolds, 5, second.summary)
        XCTAssertTrue(second.judgedOnUnseen, second.summary)
        XCTAssertEqual(second.holdoutSize, 8, "only the 8 networks stored after v1: \(second.summary)")
        XCTAssertEqual(second.trainingSize, 18)
        XCTAssertTrue(second.summary.contains("compared on the 8 its rival never trained on"), second.summary)
    }

    /// The default model made for a platform was trained on some of the networks the lab
    /// measures there (its replay anchors list them): it is compared only on the others, as a
    /// version is. Another platform's default model saw none of that platform's measurements.
    func testTheDefaultModelOfThePlatformIsComparedOnlyOnNetworksItNeverTrainedOn() async throws {
        let shipped = try XCTUnwrap(DefaultModels.url(for: .latency))
        let model = try TrainedModel.load(from: shipped)
        let numbers = RepositoryData.alexnetNumbers(40)
        let networks = try numbers.map { try NetworkImporter.importFile(at: RepositoryData.alexnet($0), batchSize: 1) }
        let predicted = try model.predictValues(try networks.map { try $0.tokens(storedEncoding: model.metadata.tokenEncoding) })
        // The first 28 play the model's training networks (measured as it predicts them),
        // the last 12 networks it never saw (measured 1.5x slower).
        let trained = Set(networks.prefix(28).map(\.contentHash))
        let split = HoldoutSplit(share: 0.25)
        let heldNew = networks.suffix(12).filter { split.isHoldout(graphHash: $0.contentHash) }.count
        XCTAssertGreaterThanOrEqual(heldNew, 2, "the test needs new networks on the holdout side")

        func retrain(platform: String, measured: [Int] = Array(0..<40)) async throws -> RetrainReport {
            let space = try LearningWorkspace()
            try FileManager.default.createDirectory(atPath: space.modelsPath, withIntermediateDirectories: true)
            let copy = URL(fileURLWithPath: space.root + "/default.safetensors")
            try FileManager.default.copyItem(at: shipped, to: copy)
            try Data(ReplayAnchors(encoding: model.metadata.tokenEncoding, anchors: [], trainedOn: trained).bytes())
                .write(to: ReplayAnchors.url(besides: copy))
            let records = measured.enumerated().map { line, i in
                LatencyRecord(id: "n\(i)", onnxFile: RepositoryData.alexnet(numbers[i]), batchSize: 1,
                              latencyMs: predicted[i] * (i < 28 ? 1 : 1.5), family: "alexnet", line: line + 1)
            }
            let list = LatencyList(source: URL(fileURLWithPath: space.root + "/gt.txt"), records: records)
            _ = try LatencyListImport(store: space.store, tokens: space.tokens, platform: platform).run(list)
            var settings = settings(space, epochs: 1, minHoldout: 2)
            settings.defaultCheckpoint = { _ in copy }
            return try await retrainer(space, settings).retrain(platform: platform)
        }
        let own = try await retrain(platform: model.metadata.platform)
        XCTAssertNil(own.crossValidationFolds, own.summary)
        XCTAssertTrue(own.judgedOnUnseen, own.summary)
        XCTAssertEqual(own.holdoutSize, heldNew, own.summary)
        let other = try await retrain(platform: "another-lab")
        XCTAssertFalse(other.judgedOnUnseen, other.summary)
        XCTAssertGreaterThan(other.holdoutSize, heldNew, other.summary)

        // Only one new network on the holdout side: too few to judge on, and judged on the
        // old ones the default model would win by memory. The new networks are judged by
        // cross-validation over them alone, every old one trained on in every fold.
        let newIndices = Array(28..<40)
        let held = newIndices.filter { split.isHoldout(graphHash: networks[$0].contentHash) }
        let kept = newIndices.filter { !split.isHoldout(graphHash: networks[$0].contentHash) }
        XCTAssertGreaterThanOrEqual(kept.count, 3, "the test needs new networks on the training side")
        let few = Array(kept.prefix(3)) + held.prefix(1)
        let young = try await retrain(platform: model.metadata.platform, measured: Array(0..<28) + few)
        XCTAssertEqual(young.crossValidationFolds, few.count, young.summary)
        XCTAssertTrue(young.judgedOnUnseen, young.summary)
        XCTAssertEqual(young.holdoutSize, few.count, "only the new networks are judged: \(young.summary)")
        XCTAssertEqual(young.trainingSize, 28 + few.count, young.summary)
        XCTAssertTrue(young.summary.contains("compared on the \(few.count) its rival never trained on"), young.summary)
        // The default model is 1.5x off on every new network; the candidate, which trained
        // on the other new ones in each fold, is not.
        XCTAssertEqual(young.comparedMetrics["mape"] ?? 0, 100.0 / 3, accuracy: 0.01, young.summary)
        XCTAssertLessThan(young.candidateMetrics["mape"] ?? 100, 100.0 / 3, young.summary)
    }

    /// A platform without a model named for it is served the default checkpoint until a
    /// version of its own is promoted, whichever shipped model its candidates start from:
    /// the candidate is judged against the served model, not against the prior it started
    /// from (which the lab is not served, and which here predicts the measurements exactly).
    func testACandidateFromAChosenPriorIsJudgedAgainstTheModelTheDaemonServes() async throws {
        let ort = try DefaultModels.url(for: .latency, platform: "cpu-ort-1t")
        let openvino = try DefaultModels.url(for: .latency, platform: "cpu-openvino-1t")
        let files = try RepositoryData.onnxFiles(12)
        func predictions(_ url: URL) throws -> [Double] {
            let model = try TrainedModel.load(from: url)
            return try model.predictValues(try files.map {
                try NetworkImporter.importFile(at: $0, batchSize: 1).tokens(storedEncoding: model.metadata.tokenEncoding)
            })
        }
        let measured = try predictions(openvino), served = try predictions(ort)
        let servedMAPE = zip(served, measured).map { abs($0 - $1) / $1 }.reduce(0, +) / Double(files.count) * 100
        XCTAssertGreaterThan(servedMAPE, 20, "the served model must be far off for the test to mean anything")

        let space = try LearningWorkspace()
        for file in files {
            try FileManager.default.copyItem(atPath: file.path, toPath: space.inbox.path + "/done/" + file.lastPathComponent)
        }
        let yaml = "measurements:\n" + zip(files, measured).map { file, latency in
            "  - network: \(file.lastPathComponent)\n    batch_size: 1\n    latency_ms: \(latency)\n"
        }.joined()
        guard case .done = await space.processor().process([space.claimed("m.yaml", yaml)])[0] else {
            return XCTFail("measurements not stored")
        }
        try FileManager.default.createDirectory(atPath: space.modelsPath, withIntermediateDirectories: true)
        // 5 of the 12 fall on the holdout side: cross-validation judges all 12.
        var settings = settings(space, epochs: 1, minHoldout: 6)
        settings.defaultCheckpoint = { _ in ort }
        settings.priorCheckpoints = { _ in [ort, openvino] }
        let report = try await retrainer(space, settings).retrain(platform: "cpu")
        XCTAssertEqual(report.crossValidationFolds, 5, report.summary)
        XCTAssertEqual(report.comparedWith, 0, report.summary)
        XCTAssertEqual(try XCTUnwrap(report.comparedMetrics["mape"]), servedMAPE, accuracy: 0.01, report.summary)
        XCTAssertEqual(report.decision, .promoted, report.summary)
        XCTAssertEqual(report.networkPrior, "cpu-openvino-1t", report.summary)
        XCTAssertTrue(report.summary.contains("started from the cpu-openvino-1t model"), report.summary)
    }

    /// `init: default`: every retrain fine-tunes the platform's default model on every
    /// measurement (one fine-tune of the prior, not a chain); `init: active` (the default)
    /// grows each version from the active one.
    func testInitDefaultStartsEveryRetrainFromTheDefaultModelAndInitActiveFromTheActiveVersion() async throws {
        let space = try LearningWorkspace()
        try await feed(space, SyntheticCells.cells(40))
        let cpu = try await retrainer(space, settings(space, initialWeights: .scratch, epochs: 1)).retrain(platform: "cpu")
        XCTAssertNotNil(cpu.version, cpu.summary)
        let defaultModel = URL(fileURLWithPath: space.modelsPath + "/cpu-v1.safetensors")
        var drop = space.claimed("gpu.yaml", SyntheticCells.yaml(SyntheticCells.cells(40, offset: 3), platform: "gpu"))
        drop.inbox = InboxDescriptor(name: space.inbox.name, path: space.inbox.path, platform: "gpu", batchSizes: [1])
        guard case .done = await space.processor().process([drop])[0] else { return XCTFail("gpu cells not stored") }
        func retrainGPU(_ start: InitialWeights) async throws -> ModelRecord {
            var gpu = settings(space, initialWeights: start, epochs: 1)
            gpu.defaultCheckpoint = { _ in defaultModel }
            let report = try await retrainer(space, gpu).retrain(platform: "gpu")
            let version = try XCTUnwrap(report.version, report.summary)
            return try XCTUnwrap(try space.store.read { try $0.models(platform: "gpu") }.first { $0.version == version })
        }
        let first = try await retrainGPU(.defaultModel)
        XCTAssertEqual(first.baseVersion, 0)
        _ = try ModelVersions(store: space.store).promote(platform: "gpu", version: first.version)
        let second = try await retrainGPU(.defaultModel)
        XCTAssertEqual(second.baseVersion, 0, "the default model again, not v\(first.version)")
        let grown = try await retrainGPU(.activeModel)
        XCTAssertEqual(grown.baseVersion, first.version)
    }

    /// Ten measurements of one network are one network: nothing can judge a candidate, the
    /// reason says so, and the count of new measurements is kept for the next try.
    func testRepeatedMeasurementsOfOneNetworkSkipTheRetrain() async throws {
        let space = try LearningWorkspace()
        let one = SyntheticCells.cells(1)[0]
        try await feed(space, (0..<10).map { (one.arch, one.latency * (1 + Double($0) / 100)) })
        let report = try await retrainer(space, settings(space, epochs: 1, minHoldout: 5)).retrain(platform: "cpu")
        guard case .skipped(let reason) = report.decision else { return XCTFail("not skipped: \(report.summary)") }
        XCTAssertTrue(reason.contains("10 measurements give 1 of 1 networks") && reason.contains("promotion.min_holdout")
                      && reason.contains("9 repeated measurements averaged"), reason)
        XCTAssertEqual(((try? FileManager.default.contentsOfDirectory(atPath: space.modelsPath)) ?? []).filter { $0.hasSuffix(".safetensors") }, [])
        XCTAssertNil(try space.store.read { try $0.meta(.lastRetrain(platform: "cpu")) })
    }

    func testRepeatedMeasurementsAreOneSampleAtTheirGeometricMean() {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        func measurement(_ hash: String, _ batch: Int, _ ms: Double, _ k: Int) -> LatencyMeasurement {
            LatencyMeasurement(graphHash: hash, platform: "p", batchSize: batch, latencyMs: ms, source: "run \(k)",
                               measuredAt: at.addingTimeInterval(Double(k)))
        }
        let all = [measurement("aa", 1, 2, 0), measurement("bb", 1, 5, 1), measurement("aa", 1, 8, 2),
                   measurement("aa", 2, 3, 3)]
        let (merged, repeats) = PlatformSamples.mergedRepeats(all)
        XCTAssertEqual(repeats, 1)
        XCTAssertEqual(merged.map(\.graphHash), ["aa", "bb", "aa"])
        XCTAssertEqual(merged.map(\.batchSize), [1, 1, 2])
        XCTAssertEqual(merged[0].latencyMs, 4, accuracy: 1e-12, "sqrt(2 * 8)")
        XCTAssertEqual(merged[1].latencyMs, 5)
    }

    func testFoldsKeepEveryMeasurementOfANetworkTogether() {
        let hashes = ["a", "b", "a", "c", "d", "e", "f", "a", "g"]
        let folds = CrossValidationFolds(graphHashes: hashes, maxFolds: 3)
        XCTAssertEqual(folds.folds.count, 3)
        XCTAssertEqual(folds.folds.flatMap { $0 }.sorted(), Array(hashes.indices))
        let networksPerFold = folds.folds.map { Set($0.map { hashes[$0] }) }
        XCTAssertEqual(networksPerFold.map(\.count).reduce(0, +), Set(hashes).count, "each network in one fold only")
        let foldOfA = folds.folds.firstIndex { $0.contains(0) }
        XCTAssertTrue(folds.folds[foldOfA!].contains(2) && folds.folds[foldOfA!].contains(7))
        XCTAssertEqual(CrossValidationFolds(graphHashes: ["x", "y"]).folds.count, 2, "one fold per network when few")
        XCTAssertEqual(folds, CrossValidationFolds(graphHashes: hashes, maxFolds: 3))
        XCTAssertFalse(folds.leavesOut(sampleCount: hashes.count))
        // Folds over some samples only: the others are in none (always trained on).
        let some = CrossValidationFolds(graphHashes: hashes, judged: { hashes[$0] != "a" }, maxFolds: 3)
        XCTAssertEqual(some.folds.flatMap { $0 }.sorted(), [1, 3, 4, 5, 6, 8])
        XCTAssertTrue(some.leavesOut(sampleCount: hashes.count))
    }

    /// Folds over the unseen networks replace a fixed holdout only for a compared model
    /// grown from the platform's default model; a young platform's version keeps the holdout.
    func testOnlyTheDefaultModelLineIsJudgedByFoldsOverItsUnseenNetworks() throws {
        let split = HoldoutSplit(share: 0.25)
        let graph = TokenGraph(nodeCount: 1, tokenDim: 1, tokens: [1], edges: [], staticFeatures: [])
        let hashes = (0..<200).map { String(format: "%064x", $0 * 2_654_435_761) }
        // 40 old networks with 10+ on the holdout, and 6 new ones of which one is held out.
        let old = Array(hashes.prefix(40))
        let newHeld = try XCTUnwrap(hashes.dropFirst(40).first(where: split.isHoldout))
        let newKept = hashes.dropFirst(40).filter { !split.isHoldout(graphHash: $0) }.prefix(5)
        XCTAssertGreaterThanOrEqual(old.filter(split.isHoldout).count, 5)
        let created = Date(timeIntervalSince1970: 1_000)
        let samples = (old + [newHeld] + newKept).enumerated().map { i, hash in
            MeasuredSample(measurementID: "\(i)", graphHash: hash, graph: graph, latencyMs: 1,
                           storedAt: created.addingTimeInterval(i < 40 ? -10 : 10))
        }
        let rule = PromotionRule(minHoldout: 5)
        func folds(_ exposure: CandidateJudgement.ComparedExposure?) -> [[Int]]? {
            guard case .crossValidation(_, let folds)? = CandidateJudgement.Plan.choose(samples, split: split, rule: rule,
                                                                                       exposure: exposure) else { return nil }
            return folds.folds
        }
        XCTAssertNil(folds(nil), "no exposure: the fixed holdout")
        // A version trained on every old measurement: the fixed holdout, though only one
        // network on it is new to the version.
        XCTAssertNil(folds(.init(version: (created: created, trainedOnAll: true))))
        // The default model made for the platform trained on the old networks: folds over the
        // six new ones, every old measurement trained on in each.
        let byDefault = try XCTUnwrap(folds(.init(version: nil, defaultModelNetworks: Set(old))))
        XCTAssertEqual(byDefault.flatMap { $0 }.sorted(), Array(40..<46))
        XCTAssertEqual(byDefault.count, 5)
        // Too few new networks to judge with: the fixed holdout again.
        let fewer = Array(samples.prefix(43))
        if case .crossValidation? = CandidateJudgement.Plan.choose(fewer, split: split, rule: rule,
                                                                  exposure: .init(version: nil, defaultModelNetworks: Set(old))) {
            XCTFail("3 new networks are fewer than min_holdout")
        }
    }

    func testHoldoutMembershipIsStableAndNearTheShare() {
        let split = HoldoutSplit(share: 0.2)
        let hashes = (0..<2000).map { String(format: "%064x", $0 * 2_654_435_761) }
        let held = hashes.filter(split.isHoldout).count
        XCTAssertEqual(Double(held) / 2000, 0.2, accuracy: 0.03)
        XCTAssertEqual(hashes.filter(split.isHoldout), hashes.filter(HoldoutSplit(share: 0.2).isHoldout))
    }

    func testBetterCandidateIsPromotedAndHotSwappedWorseOneRejectedThenRolledBack() async throws {
        let space = try LearningWorkspace()
        try await feed(space, SyntheticCells.cells(160))
        let registry = ModelRegistry()

        // v1: barely trained, nothing to compare with: promoted.
        let first = try await retrainer(space, settings(space, epochs: 1), registry: registry).retrain(platform: "cpu")
        XCTAssertEqual(first.decision, .promoted, first.summary)
        XCTAssertEqual(first.version, 1)
        XCTAssertNil(first.comparedWith)
        XCTAssertGreaterThan(first.holdoutSize, 20)
        XCTAssertEqual(first.trainingSize + first.holdoutSize, 160)

        // v2: fine-tuned from v1 for longer: better on the same holdout, promoted, swapped in.
        let second = try await retrainer(space, settings(space, epochs: 40), registry: registry).retrain(platform: "cpu")
        XCTAssertEqual(second.decision, .promoted, second.summary)
        XCTAssertEqual(second.comparedWith, 1)
        XCTAssertEqual(second.holdoutSize, first.holdoutSize, "the holdout is the same for every version")
        let v2mape = try XCTUnwrap(second.candidateMetrics["mape"])
        XCTAssertLessThan(v2mape, try XCTUnwrap(second.comparedMetrics["mape"]))
        let entry = await registry.latencyEntry(platform: "cpu")
        XCTAssertEqual(entry?.version, 2)

        // v3: from scratch with a learning rate too small to learn: rejected, kept with metrics.
        let third = try await retrainer(space, settings(space, initialWeights: .scratch, epochs: 1, learningRate: 1e-7),
                                        registry: registry).retrain(platform: "cpu")
        XCTAssertEqual(third.decision, .rejected, third.summary)
        XCTAssertEqual(third.comparedWith, 2)
        let afterReject = await registry.latencyEntry(platform: "cpu")
        XCTAssertEqual(afterReject?.version, 2, "a rejected candidate never reaches the registry")

        let models = try space.store.read { try $0.models(platform: "cpu") }
        XCTAssertEqual(models.map(\.state), [.retired, .active, .rejected])
        XCTAssertEqual(models[1].baseVersion, 1)
        XCTAssertNil(models[2].baseVersion)
        XCTAssertEqual(models[1].metrics["mape"], v2mape)
        XCTAssertNotNil(models[2].metrics["mape"])
        for model in models { XCTAssertNoThrow(try model.verifyWeights()) }
        let outcome = try space.store.read { try $0.meta(.retrainOutcome(platform: "cpu")) }
        XCTAssertTrue(outcome?.hasPrefix("rejected v3") == true, outcome ?? "no outcome")
        XCTAssertNotNil(try space.store.read { try $0.meta(.lastRetrain(platform: "cpu")) }
            .flatMap(StoreJSON.parseTimestamp))

        // Rollback: v2 out (rejected), v1 back; the daemon's sync swaps the registry.
        let rolled = try ModelVersions(store: space.store).rollback(platform: "cpu")
        XCTAssertEqual(rolled.removed, 2)
        XCTAssertEqual(rolled.restored, 1)
        XCTAssertEqual(try space.store.read { try $0.activeModel(platform: "cpu") }?.version, 1)
        let reconciler = ModelReconciler(store: space.store, registry: registry,
                                         locator: DefaultModelLocator(environment: [:]), logger: LogCollector().logger())
        let report = await reconciler.reconcile(platforms: ["cpu"], models: ModelsConfig(directory: space.modelsPath),
                                                pass: .poll)
        XCTAssertEqual(report.changes, ["cpu: now predicting with v1"])
        let afterRollback = await registry.latencyEntry(platform: "cpu")
        XCTAssertEqual(afterRollback?.version, 1)

        // Promote by hand: v3 (rejected) can be made active deliberately.
        _ = try ModelVersions(store: space.store).promote(platform: "cpu", version: 3)
        XCTAssertEqual(try space.store.read { try $0.activeModel(platform: "cpu") }?.version, 3)
        XCTAssertThrowsError(try ModelVersions(store: space.store).promote(platform: "cpu", version: 9))
    }

    /// Months of retrains must not fill the disk: past `keep_rejected`, a rejected version
    /// keeps its record and loses its weights file; the active version keeps its file, and
    /// a version without weights cannot be promoted.
    func testOnlyTheNewestRejectedVersionsKeepTheirWeightsFiles() async throws {
        let space = try LearningWorkspace()
        try await feed(space, SyntheticCells.cells(160))
        let first = try await retrainer(space, settings(space, epochs: 40, keepRejected: 1)).retrain(platform: "cpu")
        XCTAssertEqual(first.decision, .promoted, first.summary)
        var reports: [RetrainReport] = []
        for _ in 0..<3 {
            let useless = settings(space, initialWeights: .scratch, epochs: 1, learningRate: 1e-7, keepRejected: 1)
            reports.append(try await retrainer(space, useless).retrain(platform: "cpu"))
        }
        XCTAssertEqual(reports.map(\.decision), [.rejected, .rejected, .rejected], reports.map(\.summary).joined(separator: "\n"))
        XCTAssertEqual(reports.map(\.weightsRemoval.versions), [[], [2], [3]])
        XCTAssertEqual(reports[2].weightsRemovalNote,
                       "weights of rejected v3 of cpu removed (older than the newest kept by retraining.keep_rejected)")

        let models = try space.store.read { try $0.models(platform: "cpu") }
        XCTAssertEqual(models.map(\.state), [.active, .rejected, .rejected, .rejected])
        XCTAssertEqual(models.map { $0.weightsRemoved != nil }, [false, true, true, false])
        XCTAssertEqual(models.map { FileManager.default.fileExists(atPath: $0.weightsPath) }, [true, false, false, true])
        XCTAssertNotNil(models[1].metrics["mape"], "the record keeps its history")
        XCTAssertNoThrow(try models[0].verifyWeights())
        XCTAssertThrowsError(try models[1].verifyWeights()) { error in
            XCTAssertTrue("\(error)".contains("only the newest rejected versions keep their weights"), "\(error)")
        }
        XCTAssertThrowsError(try ModelVersions(store: space.store).promote(platform: "cpu", version: 2)) { error in
            XCTAssertTrue("\(error)".contains("v2 cannot be promoted"), "\(error)")
        }
        _ = try ModelVersions(store: space.store).promote(platform: "cpu", version: 4)
        XCTAssertEqual(try space.store.read { try $0.activeModel(platform: "cpu") }?.version, 4)
    }

    func testPromotionRecomputesStoredPredictionsWhenConfigured() async throws {
        let space = try LearningWorkspace()
        try await feed(space, SyntheticCells.cells(40))
        let hash = try XCTUnwrap(try space.store.read { try $0.measurements(platform: "cpu") }.first?.graphHash)
        try space.store.write { writer in
            try writer.putPrediction(Prediction(graphHash: hash, platform: "cpu", batchSize: 1, modelVersion: 0,
                                                kind: .latencyMs, value: 1, flops: 2e9, params: 3e6, memoryAccess: 4e7))
            try writer.putPrediction(Prediction(graphHash: String(repeating: "0", count: 64), platform: "cpu",
                                                batchSize: 1, modelVersion: 0, kind: .latencyMs, value: 1))
        }
        var settings = settings(space, epochs: 1)
        settings.retraining.recomputePredictions = true
        let registry = ModelRegistry()
        let report = try await retrainer(space, settings, registry: registry).retrain(platform: "cpu")
        XCTAssertEqual(report.decision, .promoted, report.summary)
        XCTAssertEqual(report.recomputedPredictions, 1, "the graph without tokens is left as it is")
        let predictions = try space.store.read { try $0.predictions(ofGraph: hash) }
        XCTAssertEqual(predictions.map(\.modelVersion).sorted(), [0, 1])
        let fresh = try XCTUnwrap(predictions.first { $0.modelVersion == 1 })
        let direct = try await registry.predictLatency(platform: "cpu", graphs: [XCTUnwrap(try space.tokens.tokens(graphHash: hash, batchSize: 1))])
        XCTAssertEqual(fresh.value, Double(try XCTUnwrap(direct?.values.first)), accuracy: 1e-6)
        // The graph's costs are kept: `narformer suggest` reads sizes from the latest prediction.
        XCTAssertEqual([fresh.flops, fresh.params, fresh.memoryAccess], [2e9, 3e6, 4e7])
        // The retrained model carries the summary of its training networks: its predictions have a novelty.
        XCTAssertEqual(fresh.novelty, try XCTUnwrap(direct?.novelty?.first).score)
    }

    func testStoppedRetrainLeavesNoTrace() async throws {
        let space = try LearningWorkspace()
        try await feed(space, SyntheticCells.cells(80))
        _ = try await retrainer(space, settings(space, epochs: 1)).retrain(platform: "cpu")
        let before = try space.store.read { try $0.models(platform: "cpu") }
        let stop = TrainingStopFlag()
        stop.request()
        let report = try await retrainer(space, settings(space, epochs: 50)).retrain(platform: "cpu", stop: stop)
        guard case .skipped(let reason) = report.decision else { return XCTFail(report.summary) }
        XCTAssertTrue(reason.contains("stopped"), reason)
        XCTAssertEqual(try space.store.read { try $0.models(platform: "cpu") }, before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: space.modelsPath).sorted(),
                       ["cpu-v1.safetensors"])
    }

    func testTooFewMeasurementsSkipAndSchedulerCountsNewOnes() async throws {
        let space = try LearningWorkspace()
        try await feed(space, SyntheticCells.cells(1))
        let report = try await retrainer(space, settings(space, epochs: 1)).retrain(platform: "cpu")
        guard case .skipped = report.decision else { return XCTFail(report.summary) }
        XCTAssertTrue(try space.store.read { try $0.models(platform: "cpu") }.isEmpty)

        let scheduler = RetrainScheduler(retrainer: retrainer(space, settings(space, epochs: 1)), platforms: ["cpu", "gpu"],
                                         control: RetrainControl(storePath: space.storePath),
                                         logger: LogCollector().logger())
        XCTAssertEqual(scheduler.dueByCount(), [], "1 new measurement, 10 needed")
        XCTAssertTrue(scheduler.youngDue().isEmpty, "a young platform waits for 5")
        try await feed(space, SyntheticCells.cells(4, offset: 3))
        XCTAssertEqual(scheduler.youngDue().map(\.platform), ["cpu"])
        XCTAssertEqual(scheduler.youngDue().map(\.measurements), [5])
        try await feed(space, SyntheticCells.cells(10, offset: 5))
        XCTAssertEqual(scheduler.dueByCount(), ["cpu"])
        XCTAssertTrue(scheduler.youngDue().isEmpty, "15 measurements: no longer young (10 is the regular count)")
    }

    func testControlFileRequestIsAnsweredByTheScheduler() async throws {
        let space = try LearningWorkspace()
        try await feed(space, SyntheticCells.cells(40))
        let control = RetrainControl(storePath: space.storePath)
        var settings = settings(space, epochs: 1)
        settings.retraining.enabled = false
        let scheduler = RetrainScheduler(retrainer: retrainer(space, settings), platforms: ["cpu"], control: control,
                                         pollInterval: .milliseconds(50), logger: LogCollector().logger())
        let id = try control.request(platform: "cpu")
        let task = Task { await scheduler.run() }
        var answer: String?
        for _ in 0..<400 where answer == nil {
            try await Task.sleep(for: .milliseconds(50))
            answer = control.answer(platform: "cpu", id: id)
        }
        task.cancel()
        _ = await task.value
        XCTAssertTrue(answer?.hasPrefix("promoted v1") == true, answer ?? "no answer")
        XCTAssertTrue(control.pending(among: ["cpu"]).isEmpty)
    }

    /// A retrain request stays filed while its retrain runs: a daemon stopped (or killed)
    /// mid-retrain leaves it for the next start, which answers it and only then removes it.
    func testARequestStaysFiledUntilAnsweredAndIsServedAgainAfterAStop() async throws {
        let space = try LearningWorkspace()
        try await feed(space, SyntheticCells.cells(40))
        let control = RetrainControl(storePath: space.storePath)
        let id = try control.request(platform: "cpu")

        var long = settings(space, epochs: 1_000_000)
        long.retraining.enabled = false
        let logs = LogCollector()
        let first = RetrainScheduler(retrainer: retrainer(space, long), platforms: ["cpu"], control: control,
                                     pollInterval: .milliseconds(20), logger: logs.logger())
        let group = ServiceGroup(configuration: .init(services: [first], gracefulShutdownSignals: [], logger: logs.logger()))
        let running = Task { try await group.run() }
        let training = await waitUntil(timeout: .seconds(30)) { logs.all.contains { $0.contains("retraining") } }
        XCTAssertTrue(training, "\(logs.all)")
        XCTAssertEqual(control.pending(among: ["cpu"]).map(\.id), [id], "the request was taken before its answer")
        await group.triggerGracefulShutdown()
        try await running.value
        XCTAssertNil(control.answer(platform: "cpu", id: id), "a stopped retrain was answered")
        XCTAssertEqual(control.pending(among: ["cpu"]).map(\.id), [id])
        XCTAssertTrue(try space.store.read { try $0.models(platform: "cpu") }.isEmpty)

        // The next start serves it: answered, then removed.
        var short = settings(space, epochs: 1)
        short.retraining.enabled = false
        let second = RetrainScheduler(retrainer: retrainer(space, short), platforms: ["cpu"], control: control,
                                      pollInterval: .milliseconds(20), logger: LogCollector().logger())
        let task = Task { await second.run() }
        let answered = await waitUntil(timeout: .seconds(30)) {
            control.answer(platform: "cpu", id: id) != nil && control.pending(among: ["cpu"]).isEmpty
        }
        task.cancel()
        _ = await task.value
        XCTAssertTrue(answered)
        XCTAssertTrue(control.answer(platform: "cpu", id: id)?.hasPrefix("promoted v1") == true,
                      control.answer(platform: "cpu", id: id) ?? "no answer")
    }

    /// A request whose answer was written before a stop could remove it is removed, not
    /// served again (no second retrain, the answer unchanged); a `touch` request newer than
    /// the last answer is served.
    func testARequestThatAlreadyHasItsAnswerIsRemovedNotRetrained() async throws {
        let space = try LearningWorkspace()
        try await feed(space, SyntheticCells.cells(40))
        let control = RetrainControl(storePath: space.storePath)
        let id = try control.request(platform: "cpu")
        try control.answer(platform: "cpu", id: id, summary: "promoted v7: written before the stop")
        var settings = settings(space, epochs: 1)
        settings.retraining.enabled = false
        let scheduler = RetrainScheduler(retrainer: retrainer(space, settings), platforms: ["cpu"], control: control,
                                         pollInterval: .milliseconds(20), logger: LogCollector().logger())
        let task = Task { await scheduler.run() }
        let removed = await waitUntil(timeout: .seconds(10)) { control.pending(among: ["cpu"]).isEmpty }
        XCTAssertTrue(removed)
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertEqual(control.answer(platform: "cpu", id: id), "promoted v7: written before the stop")
        XCTAssertTrue(try space.store.read { try $0.models(platform: "cpu") }.isEmpty, "the answered request was retrained")

        // `touch`: no id; served because it is newer than the answer there.
        XCTAssertTrue(FileManager.default.createFile(atPath: control.requestURL(platform: "cpu").path, contents: Data()))
        let served = await waitUntil(timeout: .seconds(30)) {
            control.answer(platform: "cpu", id: "") != nil && control.pending(among: ["cpu"]).isEmpty
        }
        task.cancel()
        _ = await task.value
        XCTAssertTrue(served)
        XCTAssertEqual(try space.store.read { try $0.models(platform: "cpu") }.count, 1)
    }

    /// Measurements in microseconds recorded as milliseconds (x1000) on a platform served by
    /// a model at the right scale: the candidate beats that model on its own holdout, but is
    /// held, not promoted, and does not serve; promoted by hand, it serves.
    func testACandidateAThousandTimesOffTheServingScaleIsHeldUntilAPersonPromotesIt() async throws {
        let space = try LearningWorkspace()
        // cpu's measurements are right: its v1 is at the right scale and serves gpu as its default model.
        try await feed(space, SyntheticCells.cells(160))
        let cpu = try await retrainer(space, settings(space, epochs: 1)).retrain(platform: "cpu")
        XCTAssertEqual(cpu.decision, .promoted, cpu.summary)
        let defaultModel = URL(fileURLWithPath: space.modelsPath + "/cpu-v1.safetensors")
        // gpu: 200 measurements in microseconds, written as ms.
        let microseconds = SyntheticCells.cells(200, offset: 3).map { (arch: $0.arch, latency: $0.latency * 1000) }
        var drop = space.claimed("us.yaml", SyntheticCells.yaml(microseconds, platform: "gpu"))
        drop.inbox = InboxDescriptor(name: space.inbox.name, path: space.inbox.path, platform: "gpu", batchSizes: [1])
        let outcome = await space.processor().process([drop])[0]
        guard case .done = outcome else { return XCTFail("\(outcome)") }
        var gpuSettings = settings(space, epochs: 5)
        gpuSettings.defaultCheckpoint = { _ in defaultModel }
        let registry = ModelRegistry()
        try await registry.activateLatency(platform: "gpu", version: 0, checkpoint: defaultModel)

        let report = try await retrainer(space, gpuSettings, registry: registry).retrain(platform: "gpu")
        guard case .held(let reason) = report.decision else { return XCTFail(report.summary) }
        XCTAssertTrue(reason.contains("x the default model's") && reason.contains("hold_scale_factor 10"), reason)
        XCTAssertLessThan(try XCTUnwrap(report.candidateMetrics["mape"]), try XCTUnwrap(report.comparedMetrics["mape"]),
                          "held although it is better on its holdout")
        let held = try XCTUnwrap(try space.store.read { try $0.models(platform: "gpu") }.first)
        XCTAssertEqual(held.state, .held)
        XCTAssertEqual(try XCTUnwrap(held.metrics["scale_ratio"]), 1000, accuracy: 700)
        XCTAssertNil(try space.store.read { try $0.activeModel(platform: "gpu") })
        let serving = await registry.latencyEntry(platform: "gpu")
        XCTAssertEqual(serving?.version, 0, "a held candidate does not serve")
        XCTAssertTrue(try space.store.read { try $0.meta(.retrainOutcome(platform: "gpu")) }?.hasPrefix("held v1") == true)

        // A person promotes it; the daemon's reconciler makes it serve.
        _ = try ModelVersions(store: space.store).promote(platform: "gpu", version: 1)
        let reconciler = ModelReconciler(store: space.store, registry: registry,
                                         locator: DefaultModelLocator(environment: [:]), logger: LogCollector().logger())
        _ = await reconciler.reconcile(platforms: ["gpu"], models: ModelsConfig(directory: space.modelsPath), pass: .poll)
        let promoted = await registry.latencyEntry(platform: "gpu")
        XCTAssertEqual(promoted?.version, 1)

        // Once a person has accepted the scale, the next retrain is judged against it: not held.
        let next = try await retrainer(space, gpuSettings, registry: registry).retrain(platform: "gpu")
        if case .held = next.decision { XCTFail(next.summary) }
    }
}
