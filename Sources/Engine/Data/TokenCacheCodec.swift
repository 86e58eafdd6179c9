import Crypto
import Foundation

/// The binary layout of one token cache entry (all little-endian):
///
///     "NFTK" | format u32 | key length u32 | key bytes (UTF-8)
///     nodeCount u32 | tokenDim u32 | tokens f32 x nodeCount*tokenDim
///     edgeCount u32 | edges (i32 a, i32 b) x edgeCount
///     staticCount u32 | static f32 x staticCount
///     flops f64 | params f64 | memoryAccess f64
///     SHA-256 of everything above (32 bytes)
///
/// The key is stored so an entry renamed or copied under a wrong name is not trusted;
/// the checksum catches truncated and damaged files.
enum TokenCacheCodec {
    static let magic: [UInt8] = Array("NFTK".utf8)

    struct Corrupt: Error { var reason: String }

    static func encode(_ entry: CachedTokens, key: String, format: UInt32) -> Data {
        var out = Data()
        out.reserveCapacity(64 + key.utf8.count + 4 * entry.graph.tokens.count + 8 * entry.graph.edges.count)
        out.append(contentsOf: magic)
        append(&out, format)
        let keyBytes = Array(key.utf8)
        append(&out, UInt32(keyBytes.count))
        out.append(contentsOf: keyBytes)
        let graph = entry.graph
        append(&out, UInt32(graph.nodeCount))
        append(&out, UInt32(graph.tokenDim))
        graph.tokens.withUnsafeBufferPointer { buffer in
            for value in buffer { append(&out, value.bitPattern) }
        }
        append(&out, UInt32(graph.edges.count))
        for edge in graph.edges {
            append(&out, UInt32(bitPattern: edge.a))
            append(&out, UInt32(bitPattern: edge.b))
        }
        append(&out, UInt32(graph.staticFeatures.count))
        for value in graph.staticFeatures { append(&out, value.bitPattern) }
        append(&out, entry.costs.flops.bitPattern)
        append(&out, entry.costs.params.bitPattern)
        append(&out, entry.costs.memoryAccess.bitPattern)
        out.append(contentsOf: SHA256.hash(data: out))
        return out
    }

    static func decode(_ data: Data, expectedKey: String, format: UInt32) throws -> CachedTokens {
        let bytes = [UInt8](data)
        guard bytes.count >= magic.count + 32 else { throw Corrupt(reason: "too short") }
        let body = bytes[..<(bytes.count - 32)]
        guard Array(SHA256.hash(data: body)) == Array(bytes[(bytes.count - 32)...]) else {
            throw Corrupt(reason: "checksum mismatch")
        }
        do {
            return try decodeBody(Array(body), expectedKey: expectedKey, format: format)
        } catch is LittleEndianReader.Truncated {
            throw Corrupt(reason: "truncated")
        }
    }

    private static func decodeBody(_ body: [UInt8], expectedKey: String, format: UInt32) throws -> CachedTokens {
        var reader = LittleEndianReader(body)
        guard Array(try reader.take(4)) == magic else { throw Corrupt(reason: "not a token cache entry") }
        guard try reader.u32() == format else { throw Corrupt(reason: "other format version") }
        let keyLength = Int(try reader.u32())
        guard String(decoding: try reader.take(keyLength), as: UTF8.self) == expectedKey else {
            throw Corrupt(reason: "entry belongs to another key")
        }
        let nodeCount = Int(try reader.u32())
        let tokenDim = Int(try reader.u32())
        let (tokenCount, overflow) = nodeCount.multipliedReportingOverflow(by: tokenDim)
        guard !overflow, tokenCount <= reader.remaining / 4 else { throw Corrupt(reason: "token matrix larger than the file") }
        let tokens = try reader.floats(tokenCount)
        let edgeCount = Int(try reader.u32())
        guard edgeCount <= reader.remaining / 8 else { throw Corrupt(reason: "edge list larger than the file") }
        var edges: [UndirectedEdge] = []
        edges.reserveCapacity(edgeCount)
        for _ in 0..<edgeCount {
            let a = Int(Int32(bitPattern: try reader.u32()))
            let b = Int(Int32(bitPattern: try reader.u32()))
            guard a >= 0, b >= 0, a < nodeCount, b < nodeCount else { throw Corrupt(reason: "edge outside the graph") }
            edges.append(UndirectedEdge(a, b))
        }
        let staticCount = Int(try reader.u32())
        guard staticCount <= reader.remaining / 4 else { throw Corrupt(reason: "static features larger than the file") }
        let staticFeatures = try reader.floats(staticCount)
        let costs = NetworkCostSummary(flops: Double(bitPattern: try reader.u64()),
                                       params: Double(bitPattern: try reader.u64()),
                                       memoryAccess: Double(bitPattern: try reader.u64()))
        guard reader.remaining == 0 else { throw Corrupt(reason: "trailing bytes") }
        let graph = TokenGraph(nodeCount: nodeCount, tokenDim: tokenDim, tokens: tokens, edges: edges, staticFeatures: staticFeatures)
        return CachedTokens(graph: graph, costs: costs)
    }

    private static func append<T: FixedWidthInteger>(_ data: inout Data, _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }
}
