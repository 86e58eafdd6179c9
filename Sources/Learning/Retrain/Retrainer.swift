import Config
import Crypto
import Engine
import Foundation
import Store

/// Retrains one platform's latency model from its measurements and promotes the candidate
/// when it beats the active model on the same holdout, unless its latency scale is far from
/// the active model's: then it is held for a person (`ScaleHold`).
///
/// Crash safety: the candidate's weights are written to a temporary file, fsync'ed and
/// renamed to a new versioned name that no record points to yet; then one store transaction
/// records the version (active or rejected), retires the old active one and sets the
/// outcome meta keys. A retrain killed at any point before the commit leaves the store as it
/// was (at most an unreferenced weights file, overwritten by the next retrain of that
/// version); the active model's file is never written.
package final class Retrainer: Sendable {
    package let store: NarformerStore
    package let settings: RetrainSettings
    package let tokens: MeasuredTokenStore
    /// Hot-swapped on promotion; nil in a process that does not serve (the CLI).
    package let registry: ModelRegistry?
    package let now: @Sendable () -> Date

    package init(store: NarformerStore, settings: RetrainSettings, tokens: MeasuredTokenStore,
         registry: ModelRegistry?, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.settings = settings
        self.tokens = tokens
        self.registry = registry
        self.now = now
    }

    package struct Failure: Error, CustomStringConvertible {
        package var description: String

        package init(description: String) {
            self.description = description
        }
    }

    /// What the training thread hands back.
    private struct CandidateResult: Sendable {
        package var candidate: EvaluationMetrics
        package var compared: EvaluationMetrics?
        package var trainingSize: Int
        package var holdoutSize: Int
        /// Cross-validation folds; nil when judged on the fixed holdout.
        package var folds: Int?
        /// Judged only on networks the compared version never trained on.
        package var unseenByCompared: Bool
        package var weightsSHA256: String
        /// The candidate's target scale over the compared model's; nil when either is unknown.
        package var scaleRatio: Double?
    }

    /// Retrains `platform` once. `stop` is polled between training steps; when raised, the
    /// candidate is dropped and the report says so.
    package func retrain(platform: String, stop: TrainingStopFlag = TrainingStopFlag()) async throws -> RetrainReport {
        DurableFile.removeLeftovers(in: URL(fileURLWithPath: settings.modelsDirectory))
        // Measurements stored from now on count towards the next retrain.
        let startedAt = now()
        let (measurements, active, version) = try store.read { reader in
            (try reader.measurements(platform: platform), try reader.activeModel(platform: platform),
             try reader.nextModelVersion(platform: platform))
        }
        var report = RetrainReport(platform: platform, decision: .skipped("no measurements"))

        let activeSource = try active.map { record -> ModelSource in
            do {
                try record.verifyWeights()
            } catch {
                throw Failure(description: "the active model v\(record.version) of \(platform) is damaged: \(error)")
            }
            return ModelSource(version: record.version, url: URL(fileURLWithPath: record.weightsPath))
        }
        // Without a version of its own, or when every retrain starts from the default model,
        // the platform starts from the shipped model that ranks its measurements best (those
        // on the training side of the hash holdout), chosen again with every measurement; on
        // the retrain's niced thread, as it predicts every one of them with every prior.
        let split = HoldoutSplit(share: settings.retraining.holdoutShare)
        var prior: URL?
        var priorCount = 0
        if activeSource == nil || settings.retraining.initialWeights == .defaultModel {
            let priors = settings.priorCheckpoints(platform)
            priorCount = priors.count
            prior = try await BackgroundThread.run(nice: settings.retraining.nice) { [tokens] in
                PriorChoice.choose(priors, measurements: measurements, tokens: tokens,
                                   include: { !split.isHoldout(graphHash: $0.graphHash) })
            }
        }
        let defaultSource = (prior ?? settings.defaultCheckpoint(platform)).map { ModelSource(version: 0, url: $0) }
        var start: ModelSource?
        switch settings.retraining.initialWeights {
        case .activeModel: start = activeSource ?? defaultSource
        case .defaultModel: start = defaultSource
        case .scratch: start = nil
        }
        // The candidate must beat what the daemon serves the platform now: its active
        // version, else the default checkpoint the daemon predicts with. The prior chosen
        // above is where the candidate starts, not what the lab is served: judged against
        // it, a candidate could lose to a model nobody is served and leave the platform
        // on another machine's model.
        var compared = activeSource ?? settings.defaultCheckpoint(platform).map { ModelSource(version: 0, url: $0) }
        // Each model reads its own token encoding (the shipped latency model reads the
        // `costs` tokens, a model from scratch the baseline ones): the candidate trains on
        // the start model's, and the samples also carry the compared model's, so both are
        // judged on the same networks.
        let startTokens = start.map { Self.tokenEncoding(of: $0.url) }
        let comparedTokens = compared.map { Self.tokenEncoding(of: $0.url) }
        let networkEncoding = [startTokens, comparedTokens].compactMap { $0 }
            .first { PlatformSamples.Kind($0) == .network } ?? .baseline
        let data = try PlatformSamples.load(measurements, tokens: tokens, networkEncoding: networkEncoding,
                                            comparedEncoding: comparedTokens)
        report.withoutTokens = data.withoutTokens
        report.otherKind = data.otherKind
        report.repeats = data.repeats
        report.trainedKind = data.kind
        // A start model that reads the other kind (the shipped whole-network model for a
        // platform measured on cells) cannot be fine-tuned on these measurements: the
        // candidate starts from fresh weights of the measured kind. A compared model of the
        // other kind cannot judge them either.
        if let tokens = startTokens, PlatformSamples.Kind(tokens) != data.kind { start = nil }
        // The default model's header, read once: which platform it was made for.
        let defaultPlatform = try defaultSource.map { try Checkpoint.metadata(of: $0.url).platform }
        if priorCount > 1, prior != nil, let start, start == defaultSource {
            report.networkPrior = defaultPlatform
        }
        if let tokens = comparedTokens, PlatformSamples.Kind(tokens) != data.kind { compared = nil }
        // The default model's replay anchors, for every fine-tune of this platform's line of
        // models (predicted by the default model when it was made for this platform, else
        // by the adapted start model of each retrain: `CandidateRecipe`).
        let anchors = data.kind == .network ? try defaultSource.flatMap { try ReplayAnchors.load(besides: $0.url) } : nil
        // The default model made for this very platform: its
        // anchors are replayed at its own predictions, and it is judged without the
        // networks it was trained on.
        let ownDefault = defaultSource.flatMap { source -> ModelSource? in
            guard anchors != nil, let defaultPlatform,
                  ModelSource.isDefault(version: source.version, checkpointPlatform: defaultPlatform, madeFor: platform)
            else { return nil }
            return source
        }
        // A version of this platform, or the default model made for it (and every version
        // grown from it), is compared only on networks it never trained on (when enough are
        // left): judged on ones it trained on, it would win by memory.
        let defaultModelNetworks = ownDefault == nil ? [] : anchors?.trainedOn ?? []
        let exposure: CandidateJudgement.ComparedExposure? = compared.flatMap { source in
            let version = active.flatMap { record in
                record.version == source.version ? (created: record.created, trainedOnAll: record.metrics["cv_folds"] != nil) : nil
            }
            guard version != nil || !defaultModelNetworks.isEmpty else { return nil }
            return CandidateJudgement.ComparedExposure(version: version, defaultModelNetworks: defaultModelNetworks)
        }
        let minNetworks = max(settings.retraining.promotion.minHoldout, 1)
        guard let judging = CandidateJudgement.Plan.choose(data.samples, split: split,
                                                           rule: settings.retraining.promotion,
                                                           exposure: exposure) else {
            report.decision = .skipped("\(measurements.count) measurements give \(data.samples.count) of "
                                       + "\(data.networks) networks to learn from\(data.unusedNote); a candidate is "
                                       + "judged on at least \(max(minNetworks, 2)) measured networks it never trained "
                                       + "on (promotion.min_holdout)")
            report.trainingSize = data.samples.count
            try recordOutcome(report, at: startedAt)
            return report
        }

        let plan = CandidateTraining.Plan(epochs: settings.retraining.epochs, batchSize: settings.retraining.batchSize,
                                          learningRate: settings.retraining.learningRate, seed: settings.seed,
                                          startPenalty: settings.startPenalty)
        let destination = settings.weightsURL(platform: platform, version: version)
        let recipe = CandidateRecipe(platform: platform, start: start, scratchConfig: settings.scratchConfig, plan: plan,
                                     cellPriors: data.kind == .cell ? settings.cellPriors : nil, anchors: anchors,
                                     anchorsModel: ownDefault)
        let digest = Self.digest(of: Self.trainedIDs(judging))
        try FileManager.default.createDirectory(atPath: settings.modelsDirectory, withIntermediateDirectories: true)

        let result: CandidateResult
        RetrainBLASThreads.shared.enter()
        defer { RetrainBLASThreads.shared.leave() }
        do {
            result = try await BackgroundThread.run(nice: settings.retraining.nice) { [compared] in
                try Self.trainCandidate(platform: platform, judging: judging, recipe: recipe, compared: compared,
                                        exposure: exposure, split: split, minNetworks: minNetworks,
                                        destination: destination, digest: digest, stop: stop)
            }
        } catch is CandidateTraining.Stopped {
            report.decision = .skipped("stopped before the candidate was finished; it was dropped")
            return report
        }

        let metric = settings.retraining.promotion.metric
        report.version = version
        report.comparedWith = result.compared == nil ? nil : compared?.version
        report.candidateMetrics = Self.ruleUnits(result.candidate)
        report.comparedMetrics = result.compared.map(Self.ruleUnits) ?? [:]
        report.trainingSize = result.trainingSize
        report.holdoutSize = result.holdoutSize
        report.crossValidationFolds = result.folds
        report.judgedOnUnseen = result.unseenByCompared
        let trainedOn: [MeasuredSample] = switch judging {
        case .holdout(let training, _): training
        case .crossValidation(let samples, _): samples
        }
        report.cellPrior = try recipe.cellPriors.flatMap { try CellCandidateRecipe.priorName($0(), training: trainedOn) }
        let candidateScore = report.candidateMetrics[metric.rawValue] ?? .nan
        let passed: Bool
        if let comparedScore = report.comparedMetrics[metric.rawValue], comparedScore.isFinite {
            passed = candidateScore.isFinite
                && settings.retraining.promotion.promotes(candidate: candidateScore, over: comparedScore)
        } else {
            passed = candidateScore.isFinite
        }
        let hold = ScaleHold(factor: settings.retraining.holdScaleFactor)
            .reason(ratio: result.scaleRatio, serving: ScaleHold.servingName(version: compared?.version))
        let state: ModelState
        switch (passed, hold) {
        case (true, nil): report.decision = .promoted; state = .active
        case (true, let reason?): report.decision = .held(reason); state = .held
        case (false, _): report.decision = .rejected; state = .rejected
        }
        let promoted = state == .active

        var metrics = report.candidateMetrics
        metrics["holdout_count"] = Double(result.holdoutSize)
        if let folds = result.folds { metrics["cv_folds"] = Double(folds) }
        if let ratio = result.scaleRatio { metrics["scale_ratio"] = ratio }
        for (name, value) in report.comparedMetrics { metrics["compared_" + name] = value }
        if let comparedVersion = report.comparedWith { metrics["compared_version"] = Double(comparedVersion) }
        let record = ModelRecord(platform: platform, version: version, metrics: metrics.filter { $0.value.isFinite },
                                 created: now(), state: state,
                                 trainingSetSize: result.trainingSize, baseVersion: start?.version,
                                 weightsPath: destination.path, weightsSHA256: result.weightsSHA256)
        let finalReport = report
        try store.write { writer in
            guard try writer.nextModelVersion(platform: platform) == version else {
                throw Failure(description: "another process recorded model v\(version) of \(platform) meanwhile; "
                              + "this candidate is dropped")
            }
            try writer.putModel(record)
            try Self.writeOutcome(finalReport, at: startedAt, with: writer)
        }
        // The disk is bounded after the version is recorded, so a failure here costs no
        // retrain: it is reported and tried again at the next one.
        do {
            report.weightsRemoval = try RejectedWeights.prune(platform: platform, keep: settings.retraining.keepRejected,
                                                              modelsDirectory: settings.modelsDirectory, store: store,
                                                              now: now())
        } catch {
            report.weightsRemoval = RejectedWeights.Removal(problems: ["rejected versions' weights not removed: \(error)"])
        }
        if promoted, let registry {
            try await registry.activateLatency(platform: platform, version: version, checkpoint: destination)
            if settings.retraining.recomputePredictions {
                let recompute = PredictionRecompute(store: store, registry: registry, tokens: tokens)
                report.recomputedPredictions = try await recompute.run(platform: platform, now: now()).recomputed
            }
        }
        return report
    }

    /// Makes the candidate as `judging` says, judges it and the compared model, and writes
    /// the candidate's weights durably. Runs on the training thread.
    private static func trainCandidate(platform: String, judging: CandidateJudgement.Plan, recipe: CandidateRecipe,
                                       compared: ModelSource?, exposure: CandidateJudgement.ComparedExposure?,
                                       split: HoldoutSplit, minNetworks: Int, destination: URL, digest: String,
                                       stop: TrainingStopFlag) throws -> CandidateResult {
        // Models are handled as `TrainedModel`s so their target transform travels with
        // them: the shipped defaults predict log latencies that `decode` turns into ms.
        let comparedModel = compared.flatMap { try? TrainedModel.load(from: $0.url) }
        let judgement = try CandidateJudgement.run(judging, recipe: recipe, compared: comparedModel, exposure: exposure,
                                                   split: split, minNetworks: minNetworks, stop: stop)
        if stop.isRequested { throw CandidateTraining.Stopped() }
        let trained = judgement.candidate
        let candidate = EvaluationMetrics(predicted: judgement.predicted, measured: judgement.measured)
        let comparedMetrics = judgement.comparedPredicted.map {
            EvaluationMetrics(predicted: $0, measured: judgement.measured)
        }
        // The training driver named the encoding it trained on (the start model's).
        let firstGraph: TokenGraph? = switch judging {
        case .holdout(let training, _): training.first?.graph
        case .crossValidation(let samples, _): samples.first?.graph
        }
        trained.metadata = CheckpointMetadata(
            tokenEncoding: trained.metadata.tokenEncoding.isEmpty
                ? (firstGraph.flatMap { ModelTokens(readBy: $0)?.storedName } ?? "") : trained.metadata.tokenEncoding,
            platform: platform, trainingDataDigest: digest)
        // JSON has no NaN: a rank correlation of one held-out network does not exist.
        let holdoutMetrics = Retrainer.ruleUnits(candidate).filter { $0.value.isFinite }.mapValues { $0 as Any }
        try CandidateNoveltySummary.attach(to: trained, judging: judging)
        try DurableFile.place(at: destination) { temporary in
            try trained.save(to: temporary, extra: holdoutMetrics)
        }
        return CandidateResult(candidate: candidate, compared: comparedMetrics, trainingSize: judgement.trainingSize,
                               holdoutSize: judgement.judgedSize, folds: judgement.folds,
                               unseenByCompared: judgement.unseenByCompared,
                               weightsSHA256: try ModelRecord.sha256(ofFileAt: destination.path),
                               scaleRatio: trained.cellBase == nil
                                   ? ScaleHold.ratio(candidate: trained.targetScale, serving: comparedModel?.targetScale)
                                   : ScaleHold.ratio(candidatePredictions: judgement.predicted,
                                                     servingPredictions: judgement.comparedPredicted))
    }

    /// Measurement ids the kept candidate trained on (its checkpoint's training digest).
    private static func trainedIDs(_ judging: CandidateJudgement.Plan) -> [String] {
        switch judging {
        case .holdout(let training, _): training.map(\.measurementID)
        case .crossValidation(let samples, _): samples.map(\.measurementID)
        }
    }

    /// The tokens a checkpoint reads, from its header alone. A header that cannot be read
    /// (the training thread then reports the damaged file) or a name no encoding makes
    /// reads the unsuffixed token files: the baseline's, which are also a cell's.
    private static func tokenEncoding(of url: URL) -> ModelTokens {
        (try? Checkpoint.metadata(of: url))?.tokens ?? .baseline
    }

    /// Metrics in the promotion rule's units: mape and acc10 in percent, rank correlations as is.
    package static func ruleUnits(_ metrics: EvaluationMetrics) -> [String: Double] {
        ["mape": metrics.mape * 100, "acc10": metrics.acc10 * 100, "spearman": metrics.spearman,
         "kendall_tau": metrics.kendallTau]
    }

    private static func digest(of ids: [String]) -> String {
        SHA256.hash(data: Data(ids.sorted().joined(separator: "\n").utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private func recordOutcome(_ report: RetrainReport, at time: Date) throws {
        try store.write { writer in try Self.writeOutcome(report, at: time, with: writer) }
    }

    private static func writeOutcome(_ report: RetrainReport, at time: Date, with writer: StoreWriter) throws {
        // "last" moves only when a candidate was judged: a skipped retrain must not reset
        // the count of new measurements that schedules the next one.
        if case .skipped = report.decision {} else {
            try writer.setMeta(.lastRetrain(platform: report.platform), StoreJSON.timestamp(time))
        }
        try writer.setMeta(.retrainOutcome(platform: report.platform), report.summary)
    }
}
