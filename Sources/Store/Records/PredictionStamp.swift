import Foundation

/// What identifies a stored prediction and when it was made, read from the store's keys
/// alone (`StoreReader.predictionStamps`): enough to choose among a graph's predictions
/// without decoding any of them.
public struct PredictionStamp: Sendable, Equatable {
    public var graphHash: String
    public var platform: String
    public var batchSize: Int
    public var modelVersion: Int
    public var kind: PredictionKind
    /// Milliseconds since 1970 (the store keeps prediction times to the millisecond).
    public var predictedAtMilliseconds: Int64

    public init(graphHash: String, platform: String, batchSize: Int, modelVersion: Int, kind: PredictionKind,
                predictedAtMilliseconds: Int64) {
        self.graphHash = graphHash
        self.platform = platform
        self.batchSize = batchSize
        self.modelVersion = modelVersion
        self.kind = kind
        self.predictedAtMilliseconds = predictedAtMilliseconds
    }
}
