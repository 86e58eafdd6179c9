/// A `tokens` value: format byte | payload length (UInt32 big-endian) | the payload as a
/// zlib stream.
struct TokensCodec {
    static let headerCount = 5
    let codec: ValueCodec

    func encode(_ record: TokensRecord) throws -> [UInt8] {
        guard let length = UInt32(exactly: record.payloadCount) else {
            throw StoreError.invalidArgument(path: codec.path,
                                             reason: "tokens of \(record.key.graphHash) are \(record.payloadCount) bytes, over 4 GiB")
        }
        var bytes = [ValueCodec.formatVersion]
        bytes.reserveCapacity(Self.headerCount + record.deflated.count)
        withUnsafeBytes(of: length.bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: record.deflated)
        return bytes
    }

    /// The payload as it was put.
    func decode(_ bytes: [UInt8]) throws -> [UInt8] {
        let body = try codec.payload(of: bytes, table: Tables.tokens)
        guard body.count >= 4 else {
            throw StoreError.corruptRecord(path: codec.path, table: Tables.tokens, reason: "value shorter than its header")
        }
        let length = body.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        guard let payload = Deflate.decompress(body.dropFirst(4), count: length) else {
            throw StoreError.corruptRecord(path: codec.path, table: Tables.tokens,
                                           reason: "the compressed tokens do not inflate to their \(length) bytes")
        }
        return payload
    }
}
