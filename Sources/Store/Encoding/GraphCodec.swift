import Foundation

/// A graph value: format byte | metadata length (u32 big-endian) | metadata JSON | graph bytes.
/// The canonical graph is kept raw after the JSON so large graphs are not base64-inflated.
struct GraphCodec {
    private struct Metadata: Codable {
        var hash: String
        var sourceFileName: String
        var firstSeen: Date
        var nodeCount: Int
        var kind: GraphKind
        var otherFileNames: [String]?
    }

    let codec: ValueCodec

    func encode(_ record: GraphRecord) throws -> [UInt8] {
        let metadata = try codec.encode(Metadata(hash: record.hash, sourceFileName: record.sourceFileName,
                                                 firstSeen: record.firstSeen, nodeCount: record.nodeCount,
                                                 kind: record.kind,
                                                 otherFileNames: record.otherFileNames.isEmpty ? nil : record.otherFileNames))
            .dropFirst()
        var bytes = [ValueCodec.formatVersion]
        withUnsafeBytes(of: UInt32(metadata.count).bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: metadata)
        bytes.append(contentsOf: record.graph)
        return bytes
    }

    func decode(_ bytes: [UInt8]) throws -> GraphRecord {
        let body = try codec.payload(of: bytes, table: Tables.graphs)
        guard body.count >= 4 else {
            throw StoreError.corruptRecord(path: codec.path, table: Tables.graphs, reason: "value shorter than its header")
        }
        let length = body.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        let jsonStart = body.startIndex + 4
        guard body.count - 4 >= length else {
            throw StoreError.corruptRecord(path: codec.path, table: Tables.graphs,
                                           reason: "metadata length \(length) runs past the value's end")
        }
        let metadata = try codec.decodeJSON(Metadata.self, from: Data(body[jsonStart..<jsonStart + length]),
                                            table: Tables.graphs)
        return GraphRecord(hash: metadata.hash, graph: Data(body[(jsonStart + length)...]),
                           sourceFileName: metadata.sourceFileName, firstSeen: metadata.firstSeen,
                           nodeCount: metadata.nodeCount, kind: metadata.kind,
                           otherFileNames: metadata.otherFileNames ?? [])
    }
}
