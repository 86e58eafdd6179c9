import Crypto
import Foundation

/// A NAR-Former model together with what it takes to use it: the scale its outputs are
/// in, the token encoding it reads and the platform its labels came from.
///
/// The network predicts `target / targetScale` (so the head works near 1 whatever the
/// unit: ms from 0.01 to thousands, accuracy in %); `predict` multiplies back. The scale
/// travels in the checkpoint's metrics JSON as `target_scale` (absent = 1).
public final class TrainedModel: Regressor {
    public let model: NARFormerModel
    public var targetScale: Double
    public var metadata: CheckpointMetadata
    /// A short content hash of the checkpoint file it was loaded from or saved to
    /// ("untrained" before either): the version a prediction names.
    public private(set) var version: String

    public init(model: NARFormerModel, targetScale: Double, metadata: CheckpointMetadata) {
        self.model = model
        self.targetScale = targetScale
        self.metadata = metadata
        version = "untrained"
    }

    public var kind: ModelConfig.Kind { model.config.kind }

    /// Predictions in the target's unit (ms or %), one per graph, in chunks of `batchSize`.
    public func predictValues(_ graphs: [TokenGraph], batchSize: Int = 64) throws -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(graphs.count)
        for start in stride(from: 0, to: graphs.count, by: max(1, batchSize)) {
            let chunk = Array(graphs[start..<min(start + max(1, batchSize), graphs.count)])
            out.append(contentsOf: try model.predict(chunk).map { Double($0) * targetScale })
        }
        return out
    }

    /// `Regressor`: predictions in the target's unit; a batch the model refuses gives
    /// non-finite values, which the evaluation reports as an error.
    public func predict(_ graphs: [TokenGraph]) -> [Float] {
        (try? predictValues(graphs).map { Float($0) }) ?? Array(repeating: .nan, count: graphs.count)
    }

    /// Writes the checkpoint; `extra` is merged into the metrics JSON beside `target_scale`.
    public func save(to url: URL, extra: [String: Any] = [:]) throws {
        var object = extra
        object["target_scale"] = targetScale
        let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        metadata.metricsJSON = String(decoding: json, as: UTF8.self)
        try Checkpoint.save(model, to: url, metadata: metadata)
        version = try Self.version(of: url)
    }

    /// Reads a checkpoint written by `save` (or any narformer-v2 checkpoint: scale 1).
    public static func load(from url: URL) throws -> TrainedModel {
        let (model, metadata) = try Checkpoint.load(from: url)
        var scale = 1.0
        if let object = try? JSONSerialization.jsonObject(with: Data(metadata.metricsJSON.utf8)) as? [String: Any],
           let value = object["target_scale"] as? Double {
            guard value.isFinite, value > 0 else {
                throw EngineError.checkpoint(file: url.path, problem: "has a target_scale of \(value); it must be a positive number")
            }
            scale = value
        }
        let trained = TrainedModel(model: model, targetScale: scale, metadata: metadata)
        trained.version = try version(of: url)
        return trained
    }

    /// The metrics JSON of the checkpoint as an object (empty when unreadable).
    public var metrics: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(metadata.metricsJSON.utf8)) as? [String: Any]) ?? [:]
    }

    /// `<kind>-<first 12 hex of the file's SHA-256>`.
    static func version(of url: URL) throws -> String {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EngineError.checkpoint(file: url.path, problem: "cannot be read: \(error.localizedDescription)")
        }
        return String(sha256Hex(data).prefix(12))
    }

    static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
