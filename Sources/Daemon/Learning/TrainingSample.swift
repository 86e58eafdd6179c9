import Engine

/// One measurement made ready for the model: the measured graph's tokens and its latency.
struct TrainingSample: Sendable {
    var measurementID: String
    var graphHash: String
    var graph: TokenGraph
    var latencyMs: Float
}
