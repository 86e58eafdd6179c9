/// Which samples go into which minibatch, epoch by epoch: a fresh seeded shuffle per
/// epoch, a fixed batch size, and a last, smaller batch kept (no drop-last).
public struct MinibatchSchedule: Sendable, Equatable {
    public var sampleCount: Int
    public var batchSize: Int
    public var seed: UInt64

    public init(sampleCount: Int, batchSize: Int, seed: UInt64) throws {
        guard sampleCount > 0 else { throw SplitError(description: "there are no training samples") }
        guard batchSize > 0 else { throw SplitError(description: "the batch size must be positive, not \(batchSize)") }
        self.sampleCount = sampleCount
        self.batchSize = batchSize
        self.seed = seed
    }

    public var stepsPerEpoch: Int { (sampleCount + batchSize - 1) / batchSize }

    /// The sample indices of every batch of `epoch` (0-based). The same seed and epoch
    /// always give the same batches; different epochs get different orders.
    public func batches(epoch: Int) -> [[Int]] {
        // Each epoch draws from its own stream so resuming at epoch k needs no replay.
        var generator = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: epoch) &* 0xD1B5_4A32_D192_ED03))
        var order = Array(0..<sampleCount)
        order.shuffle(using: &generator)
        return stride(from: 0, to: sampleCount, by: batchSize).map { start in
            Array(order[start..<min(start + batchSize, sampleCount)])
        }
    }
}
