import Foundation

/// The summary as the checkpoint's `novelty_summary` metadata string: a JSON object whose
/// float arrays are base64 of little-endian float32 (a 512 x 128 sample is 350 KB of text
/// this way, against about 1.5 MB as decimal numbers).
extension NoveltySummary {
    static let formatVersion = 1

    public func json() -> String {
        var object: [String: Any] = [
            "format": Self.formatVersion, "method": method.rawValue, "k": k, "width": width,
            "center": Self.base64(center), "spread": Self.base64(spread), "vectors": Self.base64(vectors),
            // Doubles as their shortest exact text: JSONSerialization rounds the last digits.
            "typical_distance": "\(typicalDistance)", "training_count": trainingCount,
            "op_types": opTypes.sorted(), "node_range": [nodeRange.lowerBound, nodeRange.upperBound],
        ]
        if let flopsRange { object["flops_range"] = ["\(flopsRange.lowerBound)", "\(flopsRange.upperBound)"] }
        // Numbers, strings and arrays of them always serialise.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads what `json()` wrote; the error says what is wrong, for the checkpoint's message.
    public init(json text: String) throws {
        struct Problem: Error, CustomStringConvertible { var description: String }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw Problem(description: "is not a JSON object")
        }
        guard object["format"] as? Int == Self.formatVersion else {
            throw Problem(description: "has format \(object["format"] ?? "missing"), this code reads \(Self.formatVersion)")
        }
        guard let methodName = object["method"] as? String, let method = Method(rawValue: methodName) else {
            throw Problem(description: "names no known method (\(object["method"] ?? "missing"))")
        }
        guard let k = object["k"] as? Int, k >= 1, let width = object["width"] as? Int, width >= 1,
              let typical = (object["typical_distance"] as? String).flatMap(Double.init), typical > 0, typical.isFinite,
              let trainingCount = object["training_count"] as? Int,
              let center = (object["center"] as? String).flatMap(Self.floats), center.count == width,
              let spread = (object["spread"] as? String).flatMap(Self.floats), spread.count == width,
              spread.allSatisfy({ $0 > 0 && $0.isFinite }),
              let vectors = (object["vectors"] as? String).flatMap(Self.floats), !vectors.isEmpty,
              vectors.count % width == 0, vectors.allSatisfy(\.isFinite),
              let opTypes = object["op_types"] as? [String],
              let nodes = object["node_range"] as? [Int], nodes.count == 2, nodes[0] <= nodes[1] else {
            throw Problem(description: "has a missing or malformed field (k, width, typical_distance, training_count, "
                          + "center, spread, vectors, op_types, node_range)")
        }
        self.method = method
        self.k = k
        self.width = width
        self.center = center
        self.spread = spread
        self.vectors = vectors
        self.typicalDistance = typical
        self.trainingCount = trainingCount
        self.opTypes = Set(opTypes)
        nodeRange = nodes[0]...nodes[1]
        if let flops = (object["flops_range"] as? [String])?.compactMap(Double.init), flops.count == 2, flops[0] <= flops[1] {
            flopsRange = flops[0]...flops[1]
        } else {
            flopsRange = nil
        }
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
