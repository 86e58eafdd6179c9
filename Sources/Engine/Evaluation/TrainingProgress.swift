/// Where training stands, as the progress display needs it.
public struct TrainingProgress: Sendable, Equatable {
    /// 1-based.
    public var epoch: Int
    public var epochs: Int
    /// 1-based step within the epoch.
    public var step: Int
    public var stepsPerEpoch: Int
    public var loss: Double
    public var learningRate: Double
    /// Seconds since training started.
    public var elapsed: Double

    public init(epoch: Int, epochs: Int, step: Int, stepsPerEpoch: Int, loss: Double, learningRate: Double, elapsed: Double) {
        self.epoch = epoch
        self.epochs = epochs
        self.step = step
        self.stepsPerEpoch = stepsPerEpoch
        self.loss = loss
        self.learningRate = learningRate
        self.elapsed = elapsed
    }

    /// Seconds left at the average pace so far; nil before the first step.
    public var eta: Double? {
        let done = (epoch - 1) * stepsPerEpoch + step
        let total = epochs * stepsPerEpoch
        guard done > 0, elapsed > 0 else { return nil }
        return elapsed / Double(done) * Double(max(0, total - done))
    }
}
