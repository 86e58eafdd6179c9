/// What an inbox accepts: the kinds of files that may be dropped into it.
public enum DropKind: String, Sendable, Equatable, Hashable, CaseIterable, Encodable {
    /// An ONNX model file (`.onnx`).
    case onnx
    /// A graph in narformer's JSON form (`.json`).
    case json
    /// Measured latencies (`.yaml`), used for retraining.
    case measurements
}
