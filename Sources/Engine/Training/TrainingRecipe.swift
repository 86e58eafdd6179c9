/// How long and how hard to train: the knobs `narformer train` exposes, with the
/// authors' recipes (the paper's training setups) as presets.
public struct TrainingRecipe: Sendable, Hashable, Codable {
    public var epochs: Int
    public var batchSize: Int
    public var peakLearningRate: Float
    public var seed: UInt64
    /// SR (pairwise rank) loss weight.
    public var rankLossWeight: Float
    /// AC (augmentation consistency) loss weight; > 0 needs cell samples to re-order.
    public var consistencyLossWeight: Float
    public var clipNorm: Float?
    /// The main loss; nil is the authors' relative loss.
    public var loss: RegressionLoss?
    /// Main and SR losses over the originals and their isomorphic copies (cells with an AC
    /// loss), as the authors' code computes them; false: over the originals only.
    public var lossesOverCopies = false
    /// L2-SP strength: the weights are pulled toward those the run started with
    /// (`TrainingOptions.startPenalty`); 0: no penalty.
    public var startPenalty: Float = 0

    public init(epochs: Int, batchSize: Int, peakLearningRate: Float, seed: UInt64 = 0,
                rankLossWeight: Float = 0, consistencyLossWeight: Float = 0, clipNorm: Float? = nil,
                loss: RegressionLoss? = nil) {
        self.loss = loss
        self.epochs = epochs
        self.batchSize = batchSize
        self.peakLearningRate = peakLearningRate
        self.seed = seed
        self.rankLossWeight = rankLossWeight
        self.consistencyLossWeight = consistencyLossWeight
        self.clipNorm = clipNorm
    }

    /// The authors' latency recipe: 50 epochs, batch 16, peak 1e-3, relative loss only.
    public static func latency(epochs: Int = 50, seed: UInt64 = 0) -> TrainingRecipe {
        TrainingRecipe(epochs: epochs, batchSize: 16, peakLearningRate: 1e-3, seed: seed)
    }

    /// The authors' accuracy recipe: batch 8, peak 1e-4, + 0.1 SR + 0.5 AC.
    public static func accuracy(epochs: Int, seed: UInt64 = 0) -> TrainingRecipe {
        TrainingRecipe(epochs: epochs, batchSize: 8, peakLearningRate: 1e-4, seed: seed,
                       rankLossWeight: 0.1, consistencyLossWeight: 0.5)
    }

    /// The reasons this recipe cannot run, empty when it can.
    public var problems: [String] {
        var out: [String] = []
        if epochs < 1 { out.append("epochs must be at least 1 (is \(epochs))") }
        if batchSize < 1 { out.append("the batch size must be at least 1 (is \(batchSize))") }
        if !(peakLearningRate > 0 && peakLearningRate.isFinite) {
            out.append("the learning rate must be a positive number (is \(peakLearningRate))")
        }
        if !(startPenalty >= 0 && startPenalty.isFinite) {
            out.append("the start-weight penalty must be a finite number, not negative (is \(startPenalty))")
        }
        if !(rankLossWeight >= 0) || !(consistencyLossWeight >= 0) { out.append("loss weights must not be negative") }
        return out
    }

    func options(totalSteps: Int) -> TrainingOptions {
        TrainingOptions(schedule: LearningRateSchedule(peak: peakLearningRate, totalSteps: totalSteps),
                        rankLossWeight: rankLossWeight, consistencyLossWeight: consistencyLossWeight,
                        clipNorm: clipNorm, seed: seed, loss: loss, lossesOverCopies: lossesOverCopies,
                        startPenalty: startPenalty)
    }
}
