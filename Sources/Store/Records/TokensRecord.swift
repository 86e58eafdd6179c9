/// Which tokens a `tokens` record holds: one measured network (by content hash) at one
/// batch size in one token encoding (its stored name, e.g. `costs-160`).
public struct TokensKey: Hashable, Sendable {
    public var graphHash: String
    public var batchSize: Int
    public var encoding: String

    public init(graphHash: String, batchSize: Int, encoding: String) {
        self.graphHash = graphHash
        self.batchSize = batchSize
        self.encoding = encoding
    }
}

/// The tokens of one measured network as the store keeps them. The payload's layout is
/// the caller's (the store never reads it); the store keeps it deflated. Made outside a
/// write transaction, so the compression does not hold the store's write lock.
public struct TokensRecord: Sendable {
    public var key: TokensKey
    /// The payload's length before compression.
    let payloadCount: Int
    /// The payload as a zlib stream.
    let deflated: [UInt8]

    public init(key: TokensKey, payload: [UInt8]) {
        self.key = key
        payloadCount = payload.count
        deflated = Deflate.compress(payload)
    }
}
