import Engine

/// One measurement made ready for the model: the measured graph's tokens and its latency.
struct MeasuredSample: Sendable {
    var measurementID: String
    var graphHash: String
    var graph: TokenGraph
    var latencyMs: Float
    /// The same network in the compared model's encoding, when that differs (holdout only).
    var comparedGraph: TokenGraph?

    /// The same sample as Engine's training driver reads it.
    var trainingSample: TrainingSample {
        TrainingSample(name: measurementID, graph: graph, target: Double(latencyMs), family: "")
    }
}
