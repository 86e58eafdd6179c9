/// The main training loss on a model's (transformed) targets.
public enum RegressionLoss: String, Sendable, Hashable, Codable, CaseIterable {
    /// mean((p / y - 1)^2), the authors' loss (as the paper trains).
    case relative
    /// mean((ln p - ln y)^2), the squared log error.
    case log

    /// The loss a model of this shape trains with unless told otherwise: the node-cost
    /// readout sums per-node costs spanning orders of magnitude and learns them on the
    /// log scale; the paper's heads use the authors' relative loss. Fine-tuning (a
    /// retrain, `train --init-model`) must keep the loss the model was trained with.
    public static func standard(for config: ModelConfig) -> RegressionLoss {
        config.readout == .nodeCost ? .log : .relative
    }
}
