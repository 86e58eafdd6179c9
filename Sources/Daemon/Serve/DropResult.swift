import Foundation

/// The `<name>.result.json` written next to a processed drop in `done/`.
struct DropResult: Encodable, Sendable {
    struct LatencyPrediction: Encodable, Sendable {
        var platform: String
        var batchSize: Int
        var latencyMs: Double
        var modelVersion: Int

        enum CodingKeys: String, CodingKey {
            case platform, batchSize = "batch_size", latencyMs = "latency_ms", modelVersion = "model_version"
        }
    }

    struct AccuracyPrediction: Encodable, Sendable {
        var value: Double
        var modelVersion: Int

        enum CodingKeys: String, CodingKey {
            case value, modelVersion = "model_version"
        }
    }

    var file: String
    var inbox: String
    var hash: String
    /// "network" or "cell".
    var kind: String
    /// The NAS-Bench-201 arch string of a cell.
    var cell: String?
    var nodes: Int
    /// Costs at `costBatchSize` (the inbox's first batch size).
    var costBatchSize: Int
    var flops: Double
    var params: Double
    var memoryAccess: Double
    var predictions: [LatencyPrediction]
    var accuracy: AccuracyPrediction?
    /// Ops the model's encoding has no slot for, with counts; their predictions are less sure.
    var unknownOps: [String: Int]
    /// Anything not predicted, and why.
    var notes: [String]

    enum CodingKeys: String, CodingKey {
        case file, inbox, hash, kind, cell, nodes, costBatchSize = "cost_batch_size", flops, params
        case memoryAccess = "memory_access", predictions, accuracy, unknownOps = "unknown_ops", notes
    }

    func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and numbers cannot fail.
        return ((try? encoder.encode(self)) ?? Data("{}".utf8)) + Data("\n".utf8)
    }
}
