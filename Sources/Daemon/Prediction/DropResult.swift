import Foundation
import Store

/// The `<name>.result.json` written next to a processed drop in `done/`.
package struct DropResult: Encodable, Sendable {
    package struct LatencyPrediction: Encodable, Sendable {
        package var platform: String
        package var batchSize: Int
        package var latencyMs: Double
        package var modelVersion: Int
        /// The prediction's novelty (`Prediction.novelty`); absent without a model summary.
        package var novelty: Double?
        package var noveltyReason: String?

        package enum CodingKeys: String, CodingKey {
            case platform, batchSize = "batch_size", latencyMs = "latency_ms", modelVersion = "model_version"
            case novelty, noveltyReason = "novelty_reason"
        }
    }

    package struct AccuracyPrediction: Encodable, Sendable {
        package var value: Double
        package var modelVersion: Int
        package var novelty: Double?
        package var noveltyReason: String?

        package enum CodingKeys: String, CodingKey {
            case value, modelVersion = "model_version", novelty, noveltyReason = "novelty_reason"
        }
    }

    package var file: String
    package var inbox: String
    package var hash: String
    /// "network" or "cell".
    package var kind: String
    /// The NAS-Bench-201 arch string of a cell.
    package var cell: String?
    package var nodes: Int
    /// Costs at `costBatchSize` (the inbox's first batch size).
    package var costBatchSize: Int
    package var flops: Double
    package var params: Double
    package var memoryAccess: Double
    package var predictions: [LatencyPrediction]
    package var accuracy: AccuracyPrediction?
    /// Ops the model's encoding has no slot for, with counts; their predictions are less sure.
    package var unknownOps: [String: Int]
    /// Anything not predicted, and why.
    package var notes: [String]

    package enum CodingKeys: String, CodingKey {
        case file, inbox, hash, kind, cell, nodes, costBatchSize = "cost_batch_size", flops, params
        case memoryAccess = "memory_access", predictions, accuracy, unknownOps = "unknown_ops", notes
    }

    package func json() -> Data {
        // Encoding plain strings and numbers cannot fail.
        return ((try? StoreJSON.encode(self)) ?? Data("{}".utf8)) + Data("\n".utf8)
    }
}
