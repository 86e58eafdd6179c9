/// Keeps the best checkpoint seen so far by validation MAPE, so an interrupted or
/// over-trained run still ends with its best model.
///
/// Generic over the checkpoint (serialized weights, a file URL, ...); the checkpoint
/// is only produced (the autoclosure runs) when it is a new best, so callers do not
/// pay for copying weights every epoch.
public struct BestCheckpointTracker<Checkpoint> {
    public private(set) var bestEpoch: Int?
    public private(set) var bestMAPE: Double = .infinity
    public private(set) var best: Checkpoint?
    /// Epochs since the last improvement (for early stopping, should a caller want it).
    public private(set) var epochsWithoutImprovement = 0

    public init() {}

    /// Offers the state after `epoch`; returns true when it became the new best. A
    /// non-finite MAPE (a diverged model) is never the best.
    @discardableResult
    public mutating func offer(epoch: Int, validationMAPE: Double,
                               checkpoint: @autoclosure () throws -> Checkpoint) rethrows -> Bool {
        guard validationMAPE.isFinite, validationMAPE < bestMAPE else {
            epochsWithoutImprovement += 1
            return false
        }
        best = try checkpoint()
        bestEpoch = epoch
        bestMAPE = validationMAPE
        epochsWithoutImprovement = 0
        return true
    }
}

extension BestCheckpointTracker: Sendable where Checkpoint: Sendable {}
