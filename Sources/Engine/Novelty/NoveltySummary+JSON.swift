import Foundation

/// The summary as the checkpoint's `novelty_summary` metadata string: a JSON object whose
/// float arrays are base64 of little-endian float32 (a 512 x 128 sample is 350 KB of text
/// this way, against about 1.5 MB as decimal numbers). The embedding space's fields sit at
/// the top level, as in the first summaries; the op-mix space is the optional object
/// `op_mix` with the same fields. A summary without it (every summary written before it
/// existed) reads as an embedding-only summary, and a reader that does not know `op_mix`
/// ignores it and scores by the embedding.
extension NoveltySummary {
    static let formatVersion = 1

    public func json() -> String {
        var object = Self.fields(of: embedding)
        object["format"] = Self.formatVersion
        object["training_count"] = trainingCount
        object["op_types"] = opTypes.sorted()
        object["node_range"] = [nodeRange.lowerBound, nodeRange.upperBound]
        if let flopsRange { object["flops_range"] = ["\(flopsRange.lowerBound)", "\(flopsRange.upperBound)"] }
        if let opMix { object["op_mix"] = Self.fields(of: opMix) }
        // Numbers, strings and arrays of them always serialise.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads what `json()` wrote; the error says what is wrong, for the checkpoint's message.
    public init(json text: String) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw SummaryProblem(description: "is not a JSON object")
        }
        guard object["format"] as? Int == Self.formatVersion else {
            throw SummaryProblem(description: "has format \(object["format"] ?? "missing"), this code reads \(Self.formatVersion)")
        }
        let embedding = try Self.space(from: object, expecting: .embedding, at: "")
        let opMix = try object["op_mix"].map { value -> NoveltySpace in
            guard let inner = value as? [String: Any] else { throw SummaryProblem(description: "has an op_mix that is not an object") }
            return try Self.space(from: inner, expecting: .opMix, at: "op_mix.")
        }
        guard let trainingCount = object["training_count"] as? Int,
              let opTypes = object["op_types"] as? [String],
              let nodes = object["node_range"] as? [Int], nodes.count == 2, nodes[0] <= nodes[1] else {
            throw SummaryProblem(description: "has a missing or malformed field (training_count, op_types, node_range)")
        }
        self.embedding = embedding
        self.opMix = opMix
        self.trainingCount = trainingCount
        self.opTypes = Set(opTypes)
        nodeRange = nodes[0]...nodes[1]
        if let flops = (object["flops_range"] as? [String])?.compactMap(Double.init), flops.count == 2, flops[0] <= flops[1] {
            flopsRange = flops[0]...flops[1]
        } else {
            flopsRange = nil
        }
    }

    private struct SummaryProblem: Error, CustomStringConvertible { var description: String }

    private static func fields(of space: NoveltySpace) -> [String: Any] {
        // Doubles as their shortest exact text: JSONSerialization rounds the last digits.
        ["method": space.method.rawValue, "k": space.k, "width": space.width, "center": base64(space.center),
         "spread": base64(space.spread), "vectors": base64(space.vectors), "typical_distance": "\(space.typicalDistance)"]
    }

    /// One space's fields of `object`, which must describe a space of `method`; `prefix`
    /// names where it sits in the error.
    private static func space(from object: [String: Any], expecting method: NoveltySpace.Method, at prefix: String) throws -> NoveltySpace {
        guard object["method"] as? String == method.rawValue else {
            throw SummaryProblem(description: "has \(prefix)method \(object["method"] ?? "missing"), expected \(method.rawValue)")
        }
        guard let k = object["k"] as? Int, k >= 1, let width = object["width"] as? Int, width >= 1,
              let typical = (object["typical_distance"] as? String).flatMap(Double.init), typical > 0, typical.isFinite,
              let center = (object["center"] as? String).flatMap(floats), center.count == width,
              let spread = (object["spread"] as? String).flatMap(floats), spread.count == width,
              spread.allSatisfy({ $0 > 0 && $0.isFinite }),
              let vectors = (object["vectors"] as? String).flatMap(floats), !vectors.isEmpty,
              vectors.count % width == 0, vectors.allSatisfy(\.isFinite) else {
            throw SummaryProblem(description: "has a missing or malformed field (\(prefix)k, width, typical_distance, center, "
                                 + "spread, vectors)")
        }
        return NoveltySpace(method: method, k: k, width: width, center: center, spread: spread, vectors: vectors,
                            typicalDistance: typical)
    }

    static func base64(_ values: [Float]) -> String {
        var data = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data.base64EncodedString()
    }

    static func floats(_ text: String) -> [Float]? {
        guard let data = Data(base64Encoded: text), data.count % 4 == 0 else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}
