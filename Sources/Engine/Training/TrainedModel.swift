import Crypto
import Foundation

/// How a target (ms or %) maps to the number the network is trained to output. The head
/// ends in -logsigmoid and Adam moves it about one learning rate per step, so outputs
/// must live near 1: a latency list spanning 0.5 to 700 ms cannot be fitted as raw
/// ratios in a few hundred steps (the head collapses to 0), but its logarithm can.
public enum TargetTransform: String, Sendable, Codable, CaseIterable {
    /// `y / scale`: the authors' relative loss exactly (their accuracy recipe).
    case ratio
    /// `1 + ln(y / scale) / width`: the relative loss then approximates the squared
    /// error of log-latency, i.e. of the relative error, over the whole range.
    case log
    /// `max(0.05, 1 + (y - scale) / width)`: for accuracies, where a few broken cells at
    /// 10% would otherwise squeeze the 80-94% cells that need ranking into a sliver
    /// near 1 (targets far below the 10th percentile are clamped: they only need to rank last).
    case affine
    /// Training targets spread evenly over [0.3, 1.7] by their quantile (`QuantileMap`):
    /// for accuracies, where only the ranking matters.
    case quantile
}

/// A NAR-Former model together with what it takes to use it: how its outputs map back
/// to targets, the token encoding it reads and the platform its labels came from.
///
/// `targetScale`, `transform` and `transformWidth` travel in the checkpoint's metrics JSON
/// as `target_scale`, `target_transform` and `target_width` (absent: ratio, scale 1).
public final class TrainedModel: Regressor {
    public let model: NARFormerModel
    public var targetScale: Double
    public var transform: TargetTransform = .ratio
    /// The width of the log or affine transform (see `TargetTransform`).
    public var transformWidth: Double = 1
    /// The map of the quantile transform (nil for the others).
    public var quantileMap: QuantileMap?
    public var metadata: CheckpointMetadata
    /// The training networks' summary every prediction's novelty is measured against
    /// (`TrainedModel+Novelty`); saved in and loaded from the checkpoint's metadata.
    public var noveltySummary: NoveltySummary?
    /// For a NAS-Bench-201 cell latency model: per-edge operation costs in ms that the
    /// network's decoded output multiplies (a residual around an additive cell model; see
    /// `NB201EdgeCosts`). Travels in the metrics JSON as `cell_base` (coefficients) and
    /// `cell_base_floor`. nil: the decoded output is the prediction.
    public var cellBase: NB201EdgeCosts?
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

    /// The network output that stands for target `y`.
    public func encode(_ y: Double) -> Double {
        switch transform {
        case .ratio: return y / targetScale
        case .log: return 1 + Foundation.log(y / targetScale) / transformWidth
        case .affine: return max(0.05, 1 + (y - targetScale) / transformWidth)
        case .quantile: return quantileMap?.encode(y) ?? y / targetScale
        }
    }

    /// The target a network output `p` stands for.
    public func decode(_ p: Double) -> Double {
        switch transform {
        case .ratio: return p * targetScale
        case .log: return targetScale * exp(transformWidth * (p - 1))
        case .affine: return targetScale + transformWidth * (p - 1)
        case .quantile: return quantileMap?.decode(p) ?? p * targetScale
        }
    }

    /// What the network's decoded output multiplies for `graph`: the cell base's cost of
    /// its six operations, 1 without a cell base. A model with a cell base refuses any graph
    /// that is not a NAS-Bench-201 cell in canonical row order.
    public func baseValue(of graph: TokenGraph) throws -> Double {
        guard let cellBase else { return 1 }
        guard let ops = NB201Cell.edgeOperations(in: graph) else {
            throw EngineError.invalidBatch("a graph of \(graph.nodeCount) nodes is not a NAS-Bench-201 cell in canonical row order; the cell latency model of \(metadata.platform.isEmpty ? "this checkpoint" : metadata.platform) predicts cells only")
        }
        return cellBase.predict(ops)
    }

    /// The network output a training sample's target stands for (the cell base divided out).
    public func encode(_ y: Double, for graph: TokenGraph) throws -> Double {
        encode(y / (try baseValue(of: graph)))
    }

    /// Predictions in the target's unit (ms or %), one per graph, in chunks of `batchSize`.
    public func predictValues(_ graphs: [TokenGraph], batchSize: Int = 64) throws -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(graphs.count)
        for start in stride(from: 0, to: graphs.count, by: max(1, batchSize)) {
            let chunk = Array(graphs[start..<min(start + max(1, batchSize), graphs.count)])
            let outputs = try model.predict(chunk)
            for (graph, output) in zip(chunk, outputs) { out.append(decode(Double(output)) * (try baseValue(of: graph))) }
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
        object["target_transform"] = transform.rawValue
        object["target_width"] = transformWidth
        if let quantileMap { object["target_knots"] = quantileMap.knots }
        if let cellBase {
            object["cell_base"] = cellBase.coefficients
            object["cell_base_floor"] = cellBase.floor
        }
        let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        metadata.metricsJSON = String(decoding: json, as: UTF8.self)
        metadata.noveltySummary = noveltySummary?.json()
        try Checkpoint.save(model, to: url, metadata: metadata)
        version = try Self.version(of: url)
    }

    /// Reads a checkpoint written by `save` (or any narformer-v2 checkpoint: scale 1).
    public static func load(from url: URL) throws -> TrainedModel {
        let (model, metadata) = try Checkpoint.load(from: url)
        let object = (try? JSONSerialization.jsonObject(with: Data(metadata.metricsJSON.utf8)) as? [String: Any]) ?? [:]
        func positive(_ key: String) throws -> Double {
            guard let value = object[key] else { return 1 }
            guard let number = value as? Double, number.isFinite, number > 0 else {
                throw EngineError.checkpoint(file: url.path, problem: "has a \(key) of \(value); it must be a positive number")
            }
            return number
        }
        let trained = TrainedModel(model: model, targetScale: try positive("target_scale"), metadata: metadata)
        trained.transformWidth = try positive("target_width")
        if let name = object["target_transform"] {
            guard let text = name as? String, let transform = TargetTransform(rawValue: text) else {
                throw EngineError.checkpoint(file: url.path, problem: "has an unknown target_transform \(name) (known: \(TargetTransform.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            trained.transform = transform
        }
        if trained.transform == .quantile {
            guard let values = object["target_knots"] as? [Double], let map = QuantileMap(knots: values) else {
                throw EngineError.checkpoint(file: url.path, problem: "uses the quantile target transform but its target_knots are missing or not strictly increasing numbers")
            }
            trained.quantileMap = map
        }
        if let text = metadata.noveltySummary {
            let summary: NoveltySummary
            do { summary = try NoveltySummary(json: text) } catch {
                throw EngineError.checkpoint(file: url.path, problem: "has a novelty_summary that \(error)")
            }
            if summary.embedding.width != model.embeddingWidth {
                throw EngineError.checkpoint(file: url.path, problem: "has a novelty_summary of \(summary.embedding.width)-wide embeddings; "
                                             + "the model's are \(model.embeddingWidth) wide")
            }
            trained.noveltySummary = summary
        }
        if let coefficients = object["cell_base"] {
            guard let values = coefficients as? [Double], let floor = object["cell_base_floor"] as? Double,
                  let base = try? NB201EdgeCosts(coefficients: values, floor: floor) else {
                throw EngineError.checkpoint(file: url.path, problem: "has a cell_base that is not \(NB201EdgeCosts.featureCount) finite numbers with a positive cell_base_floor")
            }
            trained.cellBase = base
        }
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
