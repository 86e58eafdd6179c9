/// The main training loss on a model's (transformed) targets.
public enum RegressionLoss: String, Sendable, Hashable, Codable, CaseIterable {
    /// mean((p / y - 1)^2), the authors' loss (SPEC section 4).
    case relative
    /// mean((ln p - ln y)^2), the squared log error.
    case log
}
