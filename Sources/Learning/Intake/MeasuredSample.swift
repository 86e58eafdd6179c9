import Engine
import Foundation

/// One measurement made ready for the model: the measured graph's tokens and its latency.
package struct MeasuredSample: Sendable {
    package var measurementID: String
    package var graphHash: String
    package var graph: TokenGraph
    package var latencyMs: Float
    /// The same network in the compared model's encoding, when that differs (holdout only).
    package var comparedGraph: TokenGraph?
    /// When the store received the measurement (the earliest of its repeats): a model
    /// version created before then cannot have trained on it.
    package var storedAt: Date

    package init(measurementID: String, graphHash: String, graph: TokenGraph, latencyMs: Float, comparedGraph: TokenGraph? = nil,
                 storedAt: Date = .distantPast) {
        self.measurementID = measurementID
        self.graphHash = graphHash
        self.graph = graph
        self.latencyMs = latencyMs
        self.comparedGraph = comparedGraph
        self.storedAt = storedAt
    }

    /// The same sample as Engine's training driver reads it.
    package var trainingSample: TrainingSample {
        TrainingSample(name: measurementID, graph: graph, target: Double(latencyMs), family: "")
    }
}
