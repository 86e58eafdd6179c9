import Foundation

/// What a checkpoint says about itself besides the weights; stored as the string map
/// `__metadata__` of the safetensors header.
public struct CheckpointMetadata: Sendable, Hashable {
    /// Name of the token encoding the model reads (e.g. "baseline-152").
    public var tokenEncoding: String
    /// The device or platform the labels were measured on.
    public var platform: String
    /// Digest of the training data (e.g. SHA-256 hex of the sorted sample ids).
    public var trainingDataDigest: String
    /// Evaluation metrics as a JSON object text.
    public var metricsJSON: String
    /// The training networks' novelty summary (`NoveltySummary.json()`); nil in checkpoints
    /// written without one.
    public var noveltySummary: String?

    public init(tokenEncoding: String, platform: String, trainingDataDigest: String, metricsJSON: String = "{}") {
        self.tokenEncoding = tokenEncoding
        self.platform = platform
        self.trainingDataDigest = trainingDataDigest
        self.metricsJSON = metricsJSON
    }
}

/// Checkpoints in the safetensors format: 8-byte little-endian header length, a JSON
/// header (each tensor's dtype "F32", shape and data_offsets, plus `__metadata__`), then
/// the little-endian float32 data, tensors in the parameter table's order. Names and
/// shapes are those of the reference implementation, so Python's `safetensors` reads
/// the file as a torch state dict.
public enum Checkpoint {
    static let formatName = "narformer-v2"

    public static func save(_ model: NARFormerModel, to url: URL, metadata: CheckpointMetadata) throws {
        let configJSON = String(decoding: try JSONEncoder().encode(model.config), as: UTF8.self)
        var fields: [String: String] = [
            "format": formatName,
            "model_kind": model.config.kind.rawValue,
            "config": configJSON,
            "token_encoding": metadata.tokenEncoding,
            "platform": metadata.platform,
            "training_data_digest": metadata.trainingDataDigest,
            "metrics": metadata.metricsJSON,
        ]
        if let summary = metadata.noveltySummary { fields["novelty_summary"] = summary }
        var header: [String: Any] = ["__metadata__": fields]
        for e in model.parameterTable.entries {
            header[e.name] = ["dtype": "F32", "shape": e.shape, "data_offsets": [e.offset * 4, (e.offset + e.count) * 4]] as [String: Any]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (json.count % 8) != 0 { json.append(0x20) }
        var file = Data(capacity: 8 + json.count + model.parameterCount * 4)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        let p = model.parameters.pointer
        for i in 0..<model.parameterCount {
            withUnsafeBytes(of: p[i].bitPattern.littleEndian) { file.append(contentsOf: $0) }
        }
        do {
            try file.write(to: url, options: .atomic)
        } catch {
            throw EngineError.checkpoint(file: url.path, problem: "cannot be written: \(error.localizedDescription)")
        }
    }

    /// Reads and validates a checkpoint. With `expecting`, a checkpoint of another
    /// configuration is an error rather than a different model.
    public static func load(from url: URL, expecting: ModelConfig? = nil) throws -> (NARFormerModel, CheckpointMetadata) {
        let path = url.path
        func fail(_ problem: String) -> EngineError { .checkpoint(file: path, problem: problem) }
        let file: Data
        do { file = try Data(contentsOf: url) } catch { throw fail("cannot be read: \(error.localizedDescription)") }
        let (header, meta, dataStart) = try readHeader(file, availableBytes: file.count, path: path)
        guard let configText = meta["config"], let config = try? JSONDecoder().decode(ModelConfig.self, from: Data(configText.utf8)) else {
            throw fail("metadata has no readable model config")
        }
        guard meta["model_kind"] == config.kind.rawValue else {
            throw fail("metadata model_kind \(meta["model_kind"] ?? "missing") disagrees with its config (\(config.kind.rawValue))")
        }
        if let problem = config.problems.first { throw fail("config is invalid: \(problem)") }
        // Dropout is a training setting, not part of the network: it may differ.
        if var expecting {
            expecting.dropout = config.dropout
            expecting.feedForwardAndStaticDropout = config.feedForwardAndStaticDropout
            guard expecting == config else {
                throw fail("holds a model of another configuration than expected (file: \(configText))")
            }
        }
        let model = try NARFormerModel(config: config, seed: 0)
        let dataCount = file.count - dataStart
        var covered = 0
        for e in model.parameterTable.entries {
            guard let info = header[e.name] as? [String: Any] else { throw fail("tensor \(e.name) is missing") }
            guard info["dtype"] as? String == "F32" else {
                throw fail("tensor \(e.name) has dtype \(info["dtype"] ?? "missing"), expected F32")
            }
            guard let shape = info["shape"] as? [Int], shape == e.shape else {
                throw fail("tensor \(e.name) has shape \(info["shape"] ?? "missing"), expected \(e.shape)")
            }
            guard let offsets = info["data_offsets"] as? [Int], offsets.count == 2,
                  offsets[0] >= 0, offsets[1] - offsets[0] == e.count * 4, offsets[1] <= dataCount else {
                throw fail("tensor \(e.name) has data offsets \(info["data_offsets"] ?? "missing") that do not fit \(e.count) floats in \(dataCount) data bytes (truncated?)")
            }
            let p = model.parameters.pointer + e.offset
            file.withUnsafeBytes { raw in
                let base = dataStart + offsets[0]
                for i in 0..<e.count {
                    p[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self)))
                }
            }
            covered += e.count * 4
        }
        let extra = header.keys.filter { $0 != "__metadata__" && model.parameterTable.entry(named: $0) == nil }.sorted()
        guard extra.isEmpty else { throw fail("has tensors the model does not: \(extra.joined(separator: ", "))") }
        guard covered == dataCount else { throw fail("data section is \(dataCount) bytes, the tensors cover \(covered)") }
        if !model.parameters.buffer.allSatisfy(\.isFinite) { throw fail("holds weights that are not finite") }
        return (model, metadata(meta))
    }

    /// The metadata of a checkpoint without reading its weights (the header only): what a
    /// caller needs to choose tokens for a model before loading it where it runs.
    public static func metadata(of url: URL) throws -> CheckpointMetadata {
        let path = url.path
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw EngineError.checkpoint(file: path, problem: "cannot be read: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()).map(Int.init) ?? 0
        try? handle.seek(toOffset: 0)
        let prefix = (try? handle.read(upToCount: 8)) ?? Data()
        var length = 0
        if prefix.count == 8 {
            for i in 0..<8 { length |= Int(prefix[prefix.startIndex + i]) << (8 * i) }
        }
        let headerLength = prefix.count == 8 && length >= 0 && length <= size - 8 ? length : 0
        let start = prefix + ((try? handle.read(upToCount: headerLength)) ?? Data())
        return metadata(try readHeader(start, availableBytes: size, path: path).meta)
    }

    /// Parses the length, the JSON header and its `__metadata__` of a file of
    /// `availableBytes` whose first bytes are `file` (at least the header, when valid).
    private static func readHeader(_ file: Data, availableBytes: Int, path: String) throws
        -> (header: [String: Any], meta: [String: String], dataStart: Int) {
        func fail(_ problem: String) -> EngineError { .checkpoint(file: path, problem: problem) }
        guard availableBytes >= 8, file.count >= 8 else { throw fail("is \(availableBytes) bytes, too short for a safetensors header") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(file[file.startIndex + i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(availableBytes - 8), headerLength <= UInt64(file.count - 8) else {
            throw fail("header claims \(headerLength) bytes but the file holds only \(availableBytes - 8) after the length (truncated?)")
        }
        let dataStart = 8 + Int(headerLength)
        let headerBytes = file.subdata(in: (file.startIndex + 8)..<(file.startIndex + dataStart))
        guard let header = (try? JSONSerialization.jsonObject(with: headerBytes)) as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        guard let meta = header["__metadata__"] as? [String: String] else {
            throw fail("header has no __metadata__ string map")
        }
        guard meta["format"] == formatName else { throw fail("is not a \(formatName) checkpoint (format \(meta["format"] ?? "missing"))") }
        return (header, meta, dataStart)
    }

    private static func metadata(_ meta: [String: String]) -> CheckpointMetadata {
        var metadata = CheckpointMetadata(tokenEncoding: meta["token_encoding"] ?? "", platform: meta["platform"] ?? "",
                                          trainingDataDigest: meta["training_data_digest"] ?? "", metricsJSON: meta["metrics"] ?? "{}")
        metadata.noveltySummary = meta["novelty_summary"]
        return metadata
    }
}
