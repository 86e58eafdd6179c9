/// How one training run steps: schedule, loss weights, clipping and the seed of the
/// pairings used by the SR loss.
public struct TrainingOptions: Sendable, Hashable, Codable {
    public var schedule: LearningRateSchedule
    /// The main loss on the (transformed) targets; nil is the authors' relative loss.
    public var loss: RegressionLoss?
    /// Weight of the SR (pairwise rank) loss: 0.1 for the accuracy recipe, 0 for latency.
    public var rankLossWeight: Float
    /// Weight of the AC (augmentation consistency) loss: 0.5 for the accuracy recipe.
    public var consistencyLossWeight: Float
    /// Global gradient-norm clip (torch's clip_grad_norm_), nil for none.
    public var clipNorm: Float?
    public var seed: UInt64
    /// With isomorphic copies in the batch: the main and SR losses run over the originals
    /// and their copies (2B predictions, each copy with its original's target), as the
    /// authors' code does; false: over the B originals only, the copies feeding the AC
    /// loss alone.
    public var lossesOverCopies: Bool
    /// L2-SP strength (`StartWeightPenalty`): the weights are pulled toward those the run
    /// started with; 0: no penalty.
    public var startPenalty: Float

    public init(schedule: LearningRateSchedule, rankLossWeight: Float = 0, consistencyLossWeight: Float = 0,
                clipNorm: Float? = nil, seed: UInt64 = 0, loss: RegressionLoss? = nil, lossesOverCopies: Bool = false,
                startPenalty: Float = 0) {
        self.schedule = schedule
        self.startPenalty = startPenalty
        self.lossesOverCopies = lossesOverCopies
        self.loss = loss
        self.rankLossWeight = rankLossWeight
        self.consistencyLossWeight = consistencyLossWeight
        self.clipNorm = clipNorm
        self.seed = seed
    }

    /// The authors' latency recipe: peak 1e-3, relative loss only.
    public static func latency(totalSteps: Int, seed: UInt64 = 0) -> TrainingOptions {
        TrainingOptions(schedule: LearningRateSchedule(peak: 1e-3, totalSteps: totalSteps), seed: seed)
    }

    /// The authors' accuracy recipe: peak 1e-4, + 0.1 SR + 0.5 AC.
    public static func accuracy(totalSteps: Int, seed: UInt64 = 0) -> TrainingOptions {
        TrainingOptions(schedule: LearningRateSchedule(peak: 1e-4, totalSteps: totalSteps),
                        rankLossWeight: 0.1, consistencyLossWeight: 0.5, seed: seed)
    }
}

/// Forward, loss, backward and one Adam step per call, on a model it owns for the run.
/// Same model seed + same options + same batches + same BLAS thread count -> the same
/// weights. Used by one thread at a time, like the model.
public final class Trainer {
    public let model: NARFormerModel
    public let options: TrainingOptions
    private var adam: Adam
    private var pairingGenerator: SplitMix64
    private let penalty: StartWeightPenalty?
    /// Steps taken so far.
    public private(set) var stepCount = 0

    public init(model: NARFormerModel, options: TrainingOptions) {
        self.model = model
        self.options = options
        adam = Adam(count: model.parameterCount)
        pairingGenerator = SplitMix64(seed: options.seed)
        penalty = options.startPenalty > 0
            ? StartWeightPenalty(strength: options.startPenalty, parameters: model.parameters.pointer,
                                 count: model.parameterCount)
            : nil
    }

    /// One optimisation step on a batch; returns the loss before the update.
    ///
    /// `augmented`, when given, holds for each graph of `graphs` (same order, same count)
    /// an isomorphic re-ordering of it; the two are run as one packed batch and the AC
    /// loss pulls their predictions together. Without it the AC term is skipped.
    @discardableResult
    public func step(_ graphs: [TokenGraph], targets: [Float], augmented: [TokenGraph]? = nil) throws -> Float {
        guard targets.count == graphs.count else {
            throw EngineError.invalidBatch("\(graphs.count) graphs but \(targets.count) targets")
        }
        if let i = targets.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
            throw EngineError.invalidBatch("target \(i) is \(targets[i]); the relative loss needs targets > 0")
        }
        if let augmented, augmented.count != graphs.count {
            throw EngineError.invalidBatch("\(graphs.count) graphs but \(augmented.count) augmented graphs")
        }
        let batch = augmented.map { graphs + $0 } ?? graphs
        let predictions = try model.forward(batch, training: true)
        var gradient = [Float](repeating: 0, count: predictions.count)
        // The main and SR losses read the first lossTargets.count predictions.
        let lossTargets = options.lossesOverCopies && augmented != nil ? targets + targets : targets
        var loss = options.loss == .log
            ? Losses.logSquared(predictions: predictions, targets: lossTargets, weight: 1, gradient: &gradient)
            : Losses.relativeSquared(predictions: predictions, targets: lossTargets, weight: 1, gradient: &gradient)
        if options.rankLossWeight > 0, lossTargets.count > 1 {
            var pairing = Array(0..<lossTargets.count)
            pairing.shuffle(using: &pairingGenerator)
            loss += options.rankLossWeight * Losses.pairwiseRank(
                predictions: predictions, targets: lossTargets, pairing: pairing,
                weight: options.rankLossWeight, gradient: &gradient)
        }
        if options.consistencyLossWeight > 0, augmented != nil {
            loss += options.consistencyLossWeight * Losses.augmentationConsistency(
                predictions: predictions, count: graphs.count, offset: graphs.count,
                weight: options.consistencyLossWeight, gradient: &gradient)
        }
        model.backward(predictionGradient: gradient)
        penalty?.addGradient(parameters: model.parameters.pointer, gradients: model.gradients.pointer,
                             count: model.parameterCount)
        if let clip = options.clipNorm { clipGradients(to: clip) }
        adam.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer,
                    count: model.parameterCount, learningRate: options.schedule.rate(at: stepCount))
        stepCount += 1
        return loss
    }

    private func clipGradients(to maxNorm: Float) {
        let g = model.gradients.pointer
        var sum: Double = 0
        for i in 0..<model.parameterCount { sum += Double(g[i]) * Double(g[i]) }
        let norm = Float(sum.squareRoot())
        let factor = maxNorm / (norm + 1e-6)
        guard factor < 1 else { return }
        for i in 0..<model.parameterCount { g[i] *= factor }
    }
}
