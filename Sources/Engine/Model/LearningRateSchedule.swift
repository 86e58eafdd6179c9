/// Linear warm-up to the peak over the first `warmupFraction` of the steps, then a
/// linear decay that reaches 0 after the last step (as the paper trains).
public struct LearningRateSchedule: Sendable, Hashable, Codable {
    public var peak: Float
    public var totalSteps: Int
    public var warmupFraction: Float

    public init(peak: Float, totalSteps: Int, warmupFraction: Float = 0.1) {
        self.peak = peak
        self.totalSteps = max(1, totalSteps)
        self.warmupFraction = warmupFraction
    }

    /// The rate for step `step` (0-based); after the last step it stays 0.
    public func rate(at step: Int) -> Float {
        let warmup = max(1, Int((Float(totalSteps) * warmupFraction).rounded()))
        if step < warmup { return peak * Float(step + 1) / Float(warmup) }
        let remaining = totalSteps - warmup
        guard remaining > 0 else { return 0 }
        return peak * max(0, Float(totalSteps - step) / Float(remaining))
    }
}
