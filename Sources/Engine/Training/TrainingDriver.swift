import Foundation

/// What one training run ended with.
public struct TrainingResult: Sendable {
    /// Epochs completed (fewer than asked when stopped).
    public var epochsCompleted: Int
    public var interrupted: Bool
    /// 1-based epoch whose weights the model holds at the end: the best on validation,
    /// else the last completed one (a run stopped mid-epoch without validation keeps its
    /// latest weights, `steps` steps in); nil when not even one epoch completed.
    public var keptEpoch: Int?
    /// Validation metrics of the kept weights, when there was a validation set.
    public var validation: EvaluationMetrics?
    /// Mean training loss of the last completed epoch.
    public var lastEpochLoss: Double?
    public var seconds: Double
    public var steps: Int
}

/// The reusable training loop: minibatches of a `TrainingDataset` through `Trainer`,
/// validation after every epoch, the best weights kept (and written to `checkpoint`
/// whenever they improve), a clean stop on request. The CLI and the daemon's retraining
/// both drive it.
///
/// The best epoch is chosen on the validation set by MAPE for latency models and by
/// Kendall's tau for accuracy models (ranking is what accuracy predictors are for).
/// Without validation the last epoch is kept.
public final class TrainingDriver {
    public let recipe: TrainingRecipe
    public let stopFlag: TrainingStopFlag
    public var progress: ProgressReporter?
    /// Called after every epoch (1-based epoch, mean loss, validation metrics).
    public var onEpoch: ((Int, Double, EvaluationMetrics?) -> Void)?

    public init(recipe: TrainingRecipe, stopFlag: TrainingStopFlag = TrainingStopFlag(), progress: ProgressReporter? = nil) {
        self.recipe = recipe
        self.stopFlag = stopFlag
        self.progress = progress
    }

    /// A freshly initialised model whose outputs are centred on the median training
    /// target; with `.log`, the width is chosen so every training target maps into
    /// [0.3, 1.7]; with `.affine`, so the 10th percentile maps to 0.3; with `.quantile`, by
    /// the training targets' quantiles (`QuantileMap`). `ratioScale`, only with `.ratio`,
    /// replaces the median as the divisor (the authors' units, `RecipeSwitches`).
    public static func freshModel(config: ModelConfig, seed: UInt64, for train: TrainingDataset,
                                  platform: String, transform: TargetTransform = .ratio,
                                  ratioScale: Double? = nil) throws -> TrainedModel {
        if let ratioScale {
            guard transform == .ratio else {
                throw TrainingError("a fixed target scale applies to the ratio transform, not to \(transform.rawValue)")
            }
            guard ratioScale > 0 && ratioScale.isFinite else {
                throw TrainingError("the target scale must be a positive number (is \(ratioScale))")
            }
        }
        let model = try NARFormerModel(config: config, seed: seed)
        let sorted = train.targets.sorted()
        let median = sorted.isEmpty ? 1 : sorted[sorted.count / 2]
        let scale = ratioScale ?? (median > 0 && median.isFinite ? median : 1)
        let trained = TrainedModel(model: model, targetScale: scale,
                                   metadata: CheckpointMetadata(tokenEncoding: train.encoding, platform: platform,
                                                                trainingDataDigest: train.digest))
        trained.transform = transform
        if transform == .log, let low = sorted.first, let high = sorted.last {
            let spread = max(abs(Foundation.log(low / scale)), abs(Foundation.log(high / scale)))
            trained.transformWidth = max(spread / 0.7, 1e-3)
        }
        if config.readout == .nodeCost {
            // This readout's output is the target itself: only the ratio transform fits it.
            guard transform == .ratio else {
                throw TrainingError("the node-cost readout predicts target / median directly; use the ratio target transform, not \(transform.rawValue)")
            }
            let bias = try NodeCostReadout.calibratedBias(graphs: train.graphs, targets: train.targets.map(trained.encode))
            try model.setTensor(named: "readout.bias", values: bias)
        }
        if transform == .affine, !sorted.isEmpty {
            // The 10th percentile maps to 0.3.
            trained.transformWidth = max((scale - sorted[sorted.count / 10]) / 0.7, 1e-6 * scale)
        }
        if transform == .quantile {
            guard let map = QuantileMap(targets: sorted) else {
                throw TrainingError("the quantile target transform needs at least two different training targets")
            }
            trained.quantileMap = map
        }
        return trained
    }

    /// Trains `trained` in place on `train`; see the type's description for what is kept.
    /// `checkpoint`, when given, always ends up holding the kept weights.
    @discardableResult
    public func run(_ trained: TrainedModel, train: TrainingDataset, validation: TrainingDataset? = nil,
                    checkpoint: URL? = nil) throws -> TrainingResult {
        if let problem = recipe.problems.first { throw TrainingError(problem) }
        guard !train.samples.isEmpty else { throw TrainingError("there are no training samples") }
        guard trained.metadata.tokenEncoding.isEmpty || trained.metadata.tokenEncoding == train.encoding else {
            throw TrainingError("the model reads tokens '\(trained.metadata.tokenEncoding)' but the data set is encoded as '\(train.encoding)'")
        }
        if let validation, validation.encoding != train.encoding {
            throw TrainingError("validation tokens '\(validation.encoding)' differ from training tokens '\(train.encoding)'")
        }
        let augment = recipe.consistencyLossWeight > 0 && train.samples.allSatisfy { $0.cell != nil }
        let cellEncoding = CellEncoding(storedName: train.encoding) ?? .trans
        let schedule = try MinibatchSchedule(sampleCount: train.count, batchSize: recipe.batchSize, seed: recipe.seed)
        let totalSteps = schedule.stepsPerEpoch * recipe.epochs
        let trainer = Trainer(model: trained.model, options: recipe.options(totalSteps: totalSteps))
        trained.metadata.tokenEncoding = train.encoding
        trained.metadata.trainingDataDigest = train.digest
        let scaledTargets = try train.samples.map { Float(try trained.encode($0.target, for: $0.graph)) }
        if let bad = scaledTargets.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
            throw TrainingError("target \(train.samples[bad].target) of \(train.samples[bad].name) lies outside the range the model's transform (\(trained.transform.rawValue)) can represent; train from scratch instead of --init")
        }
        var tracker = BestCheckpointTracker<[Float]>()
        var result = TrainingResult(epochsCompleted: 0, interrupted: false, keptEpoch: nil, validation: nil,
                                    lastEpochLoss: nil, seconds: 0, steps: 0)
        let start = ProcessInfo.processInfo.systemUptime
        var bestMetrics: EvaluationMetrics?

        epochs: for epoch in 0..<recipe.epochs {
            let batches = schedule.batches(epoch: epoch)
            var lossSum = 0.0
            for (b, batch) in batches.enumerated() {
                if stopFlag.isRequested { result.interrupted = true; break epochs }
                let graphs = batch.map { train.samples[$0].graph }
                let targets = batch.map { scaledTargets[$0] }
                var augmented: [TokenGraph]?
                if augment {
                    augmented = batch.map { i in
                        let sample = train.samples[i]
                        var graph = sample.cell?.reordered(seed: recipe.seed &+ UInt64(trainer.stepCount) &* 0x9E37_79B9 &+ UInt64(i),
                                                          encoding: cellEncoding)
                            ?? sample.graph
                        graph.staticFeatures = sample.graph.staticFeatures
                        return graph
                    }
                }
                let rate = trainer.options.schedule.rate(at: trainer.stepCount)
                let loss = try trainer.step(graphs, targets: targets, augmented: augmented)
                guard loss.isFinite else {
                    throw TrainingError("the loss became \(loss) at epoch \(epoch + 1), step \(b + 1): the learning rate \(rate) is too high for this data")
                }
                lossSum += Double(loss)
                progress?.update(TrainingProgress(epoch: epoch + 1, epochs: recipe.epochs, step: b + 1,
                                                  stepsPerEpoch: batches.count, loss: lossSum / Double(b + 1),
                                                  learningRate: Double(rate),
                                                  elapsed: ProcessInfo.processInfo.systemUptime - start))
            }
            let meanLoss = lossSum / Double(batches.count)
            result.epochsCompleted = epoch + 1
            result.lastEpochLoss = meanLoss
            var metrics: EvaluationMetrics?
            if let validation {
                let report = try RegressorEvaluation.evaluate(trained, graphs: validation.graphs, measured: validation.targets)
                metrics = report.overall
                let tau = report.overall.kendallTau
                let selection = trained.kind == .accuracy ? -(tau.isFinite ? tau : -1) : report.overall.mape
                if tracker.offer(epoch: epoch + 1, validationMAPE: selection, checkpoint: Self.snapshot(trained.model)) {
                    bestMetrics = report.overall
                    if let checkpoint { try save(trained, to: checkpoint, epoch: epoch + 1, validation: report.overall) }
                }
            }
            progress?.endEpoch(TrainingProgress(epoch: epoch + 1, epochs: recipe.epochs, step: batches.count,
                                                stepsPerEpoch: batches.count, loss: meanLoss,
                                                learningRate: Double(trainer.options.schedule.rate(at: max(0, trainer.stepCount - 1))),
                                                elapsed: ProcessInfo.processInfo.systemUptime - start),
                               validation: metrics)
            onEpoch?(epoch + 1, meanLoss, metrics)
        }

        if let best = tracker.best, let bestEpoch = tracker.bestEpoch {
            try Self.restore(best, into: trained.model)
            result.keptEpoch = bestEpoch
            result.validation = bestMetrics
        } else if result.epochsCompleted > 0 {
            result.keptEpoch = result.epochsCompleted
            if let checkpoint { try save(trained, to: checkpoint, epoch: result.epochsCompleted, validation: nil) }
        }
        result.steps = trainer.stepCount
        result.seconds = ProcessInfo.processInfo.systemUptime - start
        return result
    }

    private func save(_ trained: TrainedModel, to url: URL, epoch: Int, validation: EvaluationMetrics?) throws {
        var extra: [String: Any] = ["epoch": epoch, "epochs": recipe.epochs, "batch_size": recipe.batchSize,
                                    "peak_lr": Double(recipe.peakLearningRate), "seed": Double(recipe.seed)]
        if let validation, let data = try? JSONEncoder().encode(validation),
           let object = try? JSONSerialization.jsonObject(with: data) {
            extra["validation"] = object
        }
        try trained.save(to: url, extra: extra)
    }

    static func snapshot(_ model: NARFormerModel) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(model.parameterCount)
        for entry in model.parameterTable.entries { out.append(contentsOf: model.tensor(named: entry.name) ?? []) }
        return out
    }

    static func restore(_ values: [Float], into model: NARFormerModel) throws {
        var offset = 0
        for entry in model.parameterTable.entries {
            try model.setTensor(named: entry.name, values: Array(values[offset..<(offset + entry.count)]))
            offset += entry.count
        }
    }
}

/// A training run that cannot start or go on, in plain words.
public struct TrainingError: Error, Sendable, CustomStringConvertible, LocalizedError {
    public var description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
