/// Errors of the model, training and checkpoint code. Every description names the
/// thing at fault (a file, a graph of a batch, a configuration field) in plain words.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case invalidBatch(String)
    case checkpoint(file: String, problem: String)

    public var description: String {
        switch self {
        case .invalidConfig(let problem): "invalid model configuration: \(problem)"
        case .invalidBatch(let problem): "invalid batch: \(problem)"
        case .checkpoint(let file, let problem): "checkpoint \(file): \(problem)"
        }
    }
}
