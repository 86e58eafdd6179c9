import Foundation

/// What a prediction predicts.
public enum PredictionKind: String, Codable, Sendable, CaseIterable {
    case latencyMs = "latency_ms"
    case accuracy
}

/// One model output for one graph. The key is (graph hash, platform, batch size, model version,
/// kind); putting a prediction with the same key replaces the earlier one.
public struct Prediction: Codable, Sendable, Equatable {
    public var graphHash: String
    public var platform: String
    public var batchSize: Int
    public var modelVersion: Int
    public var kind: PredictionKind
    public var value: Double
    public var predictedAt: Date
    /// The graph's costs at this batch size when the prediction was made (nil for
    /// predictions stored before costs were kept, and for cells).
    public var flops: Double?
    public var params: Double?
    public var memoryAccess: Double?
    /// How far the network lies from the model's training networks (about 1: like them;
    /// 2 or more: novel) and why, when it is novel or has something they had not; nil for
    /// predictions of a model without a training summary and those stored before novelty.
    public var novelty: Double?
    public var noveltyReason: String?

    public init(graphHash: String, platform: String, batchSize: Int, modelVersion: Int,
                kind: PredictionKind, value: Double, predictedAt: Date = Date(),
                flops: Double? = nil, params: Double? = nil, memoryAccess: Double? = nil,
                novelty: Double? = nil, noveltyReason: String? = nil) {
        self.novelty = novelty
        self.noveltyReason = noveltyReason
        self.flops = flops
        self.params = params
        self.memoryAccess = memoryAccess
        self.graphHash = graphHash.lowercased()
        self.platform = platform
        self.batchSize = batchSize
        self.modelVersion = modelVersion
        self.kind = kind
        self.value = value
        self.predictedAt = StoreTime.normalized(predictedAt)
    }
}
