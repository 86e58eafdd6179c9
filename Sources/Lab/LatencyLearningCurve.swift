import Config
import Engine
import Foundation
import Inbox
import Learning
import Store

/// The learning curve of a latency platform through the daemon's own path: networks of a
/// latency list arrive as `.yaml` measurement drops naming their ONNX files
/// (MeasurementDropProcessor, which imports them), and after each drop the platform is
/// retrained (Retrainer: start from the active model, stable hash holdout, promotion gate).
///
/// The gate judges on the holdout measurements received so far, which grows drop by drop;
/// to draw a curve whose points are comparable, every active model is also scored on one
/// fixed set: all networks of the run that the hash holdout keeps out of training (the
/// same rule, so no scored network is ever trained on). Beside it, the FLOPs+MAC
/// regression fitted on the same training-side measurements shows what plain counting
/// gets from the same data.
package struct LatencyLearningCurve {
    package struct Settings: Sendable {
        package var dropSize = 50
        /// nil: until the networks run out.
        package var maxDrops: Int?
        package var epochs = 3
        package var batchSize = 16
        package var learningRate = 3e-4
        package var holdoutShare = 0.2
        /// The promotion gate's minimum holdout (`retraining.promotion.min_holdout`).
        package var minHoldout = PromotionRule.defaultMinHoldout
        /// Fixed-holdout networks from which the holdout judges instead of cross-validation
        /// (`retraining.promotion.cross_validate_below`; nil: the config's default).
        package var crossValidateBelow: Int?
        /// What each retrain starts from (the config's `retraining.init`).
        package var initialWeights = RetrainingConfig.defaultInitialWeights
        /// Seed of the order the networks arrive in (training is seeded by the retrainer).
        package var seed: UInt64 = 0
        /// The fine-tune's L2-SP strength (the retrainer's default unless set).
        package var startPenalty = CandidateTraining.Plan.defaultStartPenalty
        /// Other shipped models the platform may start from besides the starting model,
        /// one chosen by its fit to the measurements (`PriorChoice`), as for a platform without a model
        /// named for it; empty: the starting model only.
        package var priors: [URL] = []

        package init(dropSize: Int = 50, maxDrops: Int? = nil, epochs: Int = 3, batchSize: Int = 16, learningRate: Double = 3e-4, holdoutShare: Double = 0.2, minHoldout: Int = PromotionRule.defaultMinHoldout, seed: UInt64 = 0) {
            self.dropSize = dropSize
            self.maxDrops = maxDrops
            self.epochs = epochs
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.holdoutShare = holdoutShare
            self.minHoldout = minHoldout
            self.seed = seed
        }
    }

    /// MAPE and Acc10 in percent, Spearman's rho as is.
    package struct Scores: Sendable, Codable, Equatable {
        package var mape: Double
        package var acc10: Double
        package var spearman: Double

        package init(predicted: [Double], measured: [Double]) {
            let metrics = EvaluationMetrics(predicted: predicted, measured: measured)
            mape = metrics.mape * 100
            acc10 = metrics.acc10 * 100
            spearman = metrics.spearman
        }
    }

    package struct Point: Sendable, Codable {
        /// Measurements received so far.
        package var measurements: Int
        /// Measurements this retrain trained on, and the holdout its gate judged on.
        package var trained: Int
        package var gateHoldout: Int
        /// promoted, rejected, or skipped: reason.
        package var decision: String
        /// The version this retrain made (nil when skipped).
        package var version: Int?
        /// The candidate's MAPE (percent) on the gate's holdout, and the model it was
        /// compared with on the same holdout; nil when skipped.
        package var candidateGateMAPE: Double?
        package var comparedGateMAPE: Double?
        /// The version active after it (0: the starting model).
        package var activeVersion: Int
        /// The shipped model this retrain's candidate started from, when it was chosen among
        /// several (`--priors`); nil otherwise.
        package var prior: String?
        /// The active model on the fixed evaluation set.
        package var model: Scores
        /// FLOPs+MAC fitted on the training-side measurements received so far.
        package var flopsMac: Scores?
        /// The active model on the platform's earlier networks (nil without any).
        package var earlier: Scores?
        package var retrainSeconds: Double
    }

    package struct Curve: Sendable, Codable {
        package var name: String
        package var platform: String
        package var startingModel: String
        package var networks: Int
        /// Size of the fixed evaluation set.
        package var evaluated: Int
        /// The starting model on the fixed evaluation set, before any measurement.
        package var start: Scores
        /// The seed of the order the networks arrived in.
        package var seed: UInt64
        /// The platform's earlier networks judged (the holdout side of those measured before
        /// the curve), and the starting model on them; 0 and nil without any.
        package var earlierEvaluated = 0
        package var earlierStart: Scores?
        package var points: [Point]
        /// The fewest measurements after which the active model's MAPE, and FLOPs+MAC's,
        /// were under 10% (nil: never).
        package var modelUnder10Percent: Int?
        package var flopsMacUnder10Percent: Int?

        /// The fewest measurements after which the active model's MAPE was under `percent`.
        package func measurementsUntilModel(under percent: Double) -> Int? {
            points.first { $0.model.mape < percent }?.measurements
        }

        package func measurementsUntilFlopsMac(under percent: Double) -> Int? {
            points.first { ($0.flopsMac?.mape ?? .infinity) < percent }?.measurements
        }
    }

    package struct Failure: Error, CustomStringConvertible {
        package var description: String

        package init(description: String) {
            self.description = description
        }
    }

    /// The list's networks with tokens and costs (through the token cache), in list order.
    package let dataset: TrainingDataset
    package let list: LatencyList
    package let settings: Settings

    package init(list: LatencyList, dataset: TrainingDataset, settings: Settings) throws {
        guard dataset.samples.count == list.records.count else {
            throw Failure(description: "\(list.source.path): \(list.records.count) records but \(dataset.samples.count) imported networks")
        }
        self.list = list
        self.dataset = dataset
        self.settings = settings
    }

    /// Feeds the records at `indices` (positions in the list) to a fresh platform whose
    /// starting model is `startingModel`, in this run's seeded order, or with `suggested`
    /// in the order the suggestions give, drop by drop. Everything the run writes (store,
    /// inbox, model versions) goes under `workDirectory/<name>`.
    ///
    /// `earlier`: networks the platform measured before (delivered first, without a
    /// retrain: a known platform's data, e.g. what its shipped model was trained on), whose
    /// holdout side is scored after every retrain to show what is forgotten. `alsoJudged`:
    /// networks never fed that join the fixed evaluation set (the rest of the new networks).
    /// `deliverEarlier` false: the earlier networks are only scored, as the old families of
    /// a lab that measures nothing but its new networks.
    /// With `evaluation`, the fixed set is those positions (the same for runs in different
    /// orders) less the networks a cross-validated version of this run trained on.
    package func run(name: String, indices: [Int], earlier: [Int] = [], deliverEarlier: Bool = true,
                     alsoJudged: [Int] = [], startingModel: URL, platform named: String? = nil,
                     workDirectory: URL, suggested: SuggestedMeasurementOrder? = nil,
                     evaluation fixedEvaluation: [Int]? = nil,
                     progress: ((_ measurements: Int, RetrainReport) -> Void)? = nil) async throws -> Curve {
        guard !indices.isEmpty else { throw Failure(description: "curve \(name): there are no networks to feed") }
        guard settings.dropSize > 0 else { throw Failure(description: "the drop size must be at least 1") }
        let fm = FileManager.default
        let root = workDirectory.appendingPathComponent(name)
        try? fm.removeItem(at: root)
        let inboxURL = root.appendingPathComponent("inbox")
        for folder in ["models", "inbox/done", "inbox/.work"] {
            try fm.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let platform = named ?? "lab-\(name)"
        let store = try NarformerStore(path: root.appendingPathComponent("store").path)
        let tokens = MeasuredTokenStore(store: store)
        let inbox = InboxDescriptor(name: "lab", path: inboxURL.path, platform: platform, batchSizes: [1])
        let intake = MeasurementDropProcessor(store: store, platforms: [platform], measurementTimeouts: [:], tokens: tokens)
        var retrainSettings = RetrainSettings(
            retraining: RetrainingConfig(minNewMeasurements: 1, epochs: settings.epochs, batchSize: settings.batchSize,
                                         learningRate: settings.learningRate, holdoutShare: settings.holdoutShare,
                                         initialWeights: settings.initialWeights,
                                         promotion: PromotionRule(minHoldout: settings.minHoldout,
                                                             crossValidateBelow: settings.crossValidateBelow), nice: 0),
            modelsDirectory: root.appendingPathComponent("models").path, defaultCheckpoint: { _ in startingModel })
        retrainSettings.startPenalty = settings.startPenalty
        if !settings.priors.isEmpty {
            let priors = [startingModel] + settings.priors
            retrainSettings.priorCheckpoints = { _ in priors }
        }
        let retrainer = Retrainer(store: store, settings: retrainSettings, tokens: tokens, registry: nil)
        let split = HoldoutSplit(share: settings.holdoutShare)

        var generator = SplitMix64(seed: settings.seed)
        var order = indices.shuffled(using: &generator)
        var hashes: [Int: String] = [:]
        var earlierDrop = 0
        while deliverEarlier, earlierDrop * settings.dropSize < earlier.count {
            let chunk = Array(earlier[(earlierDrop * settings.dropSize)..<min(earlier.count, (earlierDrop + 1) * settings.dropSize)])
            let dropHashes = try deliver(chunk, number: 100_000 + earlierDrop, inbox: inbox, inboxURL: inboxURL, intake: intake)
            for (index, hash) in zip(chunk, dropHashes) { hashes[index] = hash }
            earlierDrop += 1
        }
        // Per drop: the records fed so far, and the version active after its retrain.
        var steps: [(fed: Int, report: RetrainReport, active: Int, seconds: Double)] = []
        var active = 0
        var dropNumber = 0
        while dropNumber * settings.dropSize < order.count, dropNumber < (settings.maxDrops ?? .max) {
            let from = dropNumber * settings.dropSize
            if let suggested {
                // The drop is what the serving model's suggestions put first among the networks not measured yet.
                let url = active == 0 ? startingModel : retrainSettings.weightsURL(platform: platform, version: active)
                let picks = try suggested.next(remaining: Array(order[from...]), measured: Array(order[..<from]),
                                               activeModel: url, count: settings.dropSize)
                let picked = Set(picks)
                order = Array(order[..<from]) + picks + order[from...].filter { !picked.contains($0) }
            }
            let chunk = Array(order[from..<min(order.count, from + settings.dropSize)])
            let dropHashes = try deliver(chunk, number: dropNumber, inbox: inbox, inboxURL: inboxURL, intake: intake)
            for (index, hash) in zip(chunk, dropHashes) { hashes[index] = hash }
            let started = ProcessInfo.processInfo.systemUptime
            let report = try await retrainer.retrain(platform: platform)
            if report.decision == .promoted, let version = report.version { active = version }
            dropNumber += 1
            let fed = min(order.count, dropNumber * settings.dropSize)
            steps.append((fed, report, active, ProcessInfo.processInfo.systemUptime - started))
            progress?(fed, report)
        }

        // The fixed evaluation set: every network of the run never trained on: the fed ones
        // on the holdout side of the hash rule (but see `seenByAll`), and those never fed (a run cut short by
        // `maxDrops`: the platform's other networks).
        let fed = order.prefix(steps.last?.fed ?? 0)
        // A version promoted from a cross-validated retrain trained on every network fed
        // until then, holdout side included (and every later version starts from it): those
        // networks are not in the evaluation set.
        let seenByAll = steps.filter { $0.report.crossValidationFolds != nil && $0.report.decision == .promoted }
            .map(\.fed).max() ?? 0
        let trainedOnByAll = Set(fed.prefix(seenByAll))
        let evaluation = fixedEvaluation.map { $0.filter { !trainedOnByAll.contains($0) } }
            ?? (fed.dropFirst(seenByAll).filter { hashes[$0].map(split.isHoldout(graphHash:)) ?? false }
                + order.dropFirst(fed.count) + alsoJudged)
        // Earlier networks never delivered are all judged (the platform never saw them).
        let earlierJudged = deliverEarlier ? earlier.filter { hashes[$0].map(split.isHoldout(graphHash:)) ?? false } : earlier
        guard !evaluation.isEmpty else {
            throw Failure(description: "curve \(name): none of the \(fed.count) networks fell on the holdout side; "
                          + "feed more networks or raise the holdout share")
        }
        var scoresByVersion: [[Int]: Scores] = [:]
        // A version grown from another prior (`Settings.priors`) reads that prior's tokens.
        var datasets = [dataset.encoding: dataset]
        func scores(version: Int, on judged: [Int] = evaluation) throws -> Scores {
            if let known = scoresByVersion[[version] + judged] { return known }
            let url = version == 0 ? startingModel : retrainSettings.weightsURL(platform: platform, version: version)
            let model = try TrainedModel.load(from: url)
            let stored = model.metadata.tokenEncoding
            let read = try datasets[stored] ?? TrainingDataset.latency(list, readBy: url, storedEncoding: stored)
            datasets[stored] = read
            let result = Scores(predicted: try model.predictValues(judged.map { read.samples[$0].graph }),
                                measured: judged.map { list.records[$0].latencyMs })
            scoresByVersion[[version] + judged] = result
            return result
        }
        var points: [Point] = []
        for step in steps {
            let seen = order.prefix(step.fed)
            let trainingSide = (earlier + seen).filter { hashes[$0].map { !split.isHoldout(graphHash: $0) } ?? false }
            points.append(Point(measurements: seen.count, trained: step.report.trainingSize,
                                gateHoldout: step.report.holdoutSize, decision: step.report.decision.description,
                                version: step.report.version,
                                candidateGateMAPE: step.report.candidateMetrics["mape"],
                                comparedGateMAPE: step.report.comparedMetrics["mape"], activeVersion: step.active,
                                prior: step.report.networkPrior,
                                model: try scores(version: step.active), flopsMac: flopsMac(fittedOn: trainingSide, judging: evaluation),
                                earlier: earlierJudged.isEmpty ? nil : try scores(version: step.active, on: earlierJudged),
                                retrainSeconds: step.seconds))
        }
        let startName = startingModel.lastPathComponent
        var curve = Curve(name: name, platform: platform, startingModel: startName, networks: indices.count,
                          evaluated: evaluation.count, start: try scores(version: 0), seed: settings.seed,
                          earlierEvaluated: earlierJudged.count,
                          earlierStart: earlierJudged.isEmpty ? nil : try scores(version: 0, on: earlierJudged), points: points)
        curve.modelUnder10Percent = curve.measurementsUntilModel(under: 10)
        curve.flopsMacUnder10Percent = curve.measurementsUntilFlopsMac(under: 10)
        return curve
    }

    /// Copies the drop's networks into the inbox (a measurement names a file of its own
    /// inbox) and hands the processor one `.yaml` measurement file naming them; returns
    /// each network's graph hash as the processor stored it.
    private func deliver(_ chunk: [Int], number: Int, inbox: InboxDescriptor, inboxURL: URL,
                         intake: MeasurementDropProcessor) throws -> [String] {
        var yaml = "measurements:\n"
        for index in chunk {
            let record = list.records[index]
            let name = record.onnxFile.lastPathComponent
            let copy = inboxURL.appendingPathComponent("done").appendingPathComponent(name)
            if !FileManager.default.fileExists(atPath: copy.path) {
                try FileManager.default.copyItem(at: record.onnxFile, to: copy)
            }
            yaml += "  - network: \"\(name)\"\n    batch_size: \(record.batchSize)\n    latency_ms: \(record.latencyMs)\n"
        }
        let fileName = "drop\(number).yaml"
        let claimed = ClaimedDrop(inbox: inbox, originalName: DropName(fileName),
                                  claimedPath: inboxURL.appendingPathComponent(".work/\(fileName)").path, kind: "yaml",
                                  contents: Data(yaml.utf8), identity: FileIdentity(stat()), claimedAt: Date(), retries: 0)
        let outcome = intake.process(claimed)
        guard case .done(let resultJSON, _) = outcome else {
            throw Failure(description: "measurement drop \(fileName) was not stored: \(outcome)")
        }
        guard let object = try JSONSerialization.jsonObject(with: resultJSON) as? [String: Any],
              let stored = object["measurements"] as? [[String: Any]], stored.count == chunk.count else {
            throw Failure(description: "measurement drop \(fileName): the processor's result does not list \(chunk.count) measurements")
        }
        return try stored.map { entry in
            guard let hash = entry["graph_hash"] as? String else {
                throw Failure(description: "measurement drop \(fileName): a stored measurement has no graph hash")
            }
            return hash
        }
    }

    /// FLOPs+MAC least squares on `training`, scored on `evaluation`; nil when the fit is
    /// impossible (fewer networks than coefficients).
    private func flopsMac(fittedOn training: [Int], judging evaluation: [Int]) -> Scores? {
        let costs = training.compactMap { dataset.samples[$0].costs }
        guard costs.count == training.count, costs.count >= 3,
              let baseline = try? FlopsMacBaseline(training: costs, latencies: training.map { list.records[$0].latencyMs })
        else { return nil }
        let judged = evaluation.compactMap { dataset.samples[$0].costs }
        guard judged.count == evaluation.count else { return nil }
        return Scores(predicted: baseline.predict(judged), measured: evaluation.map { list.records[$0].latencyMs })
    }

}
