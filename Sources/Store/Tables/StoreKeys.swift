/// Key layouts of every table; each function is the one place its layout is written.
struct StoreKeys {
    let path: String

    func graph(_ hash: String) throws -> [UInt8] {
        var key = KeyBytes(path: path)
        try key.append(hash: hash)
        return key.bytes
    }

    /// hash(32) | platform\0 | batch u32 | model version u32 | kind\0
    func prediction(graphHash: String, platform: String, batchSize: Int, modelVersion: Int,
                    kind: PredictionKind) throws -> [UInt8] {
        var key = KeyBytes(path: path)
        try key.append(hash: graphHash)
        try key.append(string: platform, what: "platform")
        try key.append(count: batchSize, what: "batch size")
        try key.append(count: modelVersion, what: "model version")
        try key.append(string: kind.rawValue, what: "kind")
        return key.bytes
    }

    func prediction(_ p: Prediction) throws -> [UInt8] {
        try prediction(graphHash: p.graphHash, platform: p.platform, batchSize: p.batchSize,
                       modelVersion: p.modelVersion, kind: p.kind)
    }

    /// predicted-at ms (i64, sign flipped) | prediction key
    func predictionByTime(milliseconds: Int64, primaryKey: [UInt8]) -> [UInt8] {
        var key = KeyBytes(path: path)
        key.append(ordered: milliseconds)
        key.append(raw: primaryKey)
        return key.bytes
    }

    func measurement(id: String) throws -> [UInt8] {
        try graph(id)
    }

    /// graph hash(32) | id(32)
    func measurementByGraph(graphHash: String, id: String) throws -> [UInt8] {
        var key = KeyBytes(path: path)
        try key.append(hash: graphHash)
        try key.append(hash: id)
        return key.bytes
    }

    /// platform\0 | stored-at ms (i64, sign flipped) | id(32)
    func measurementByPlatformTime(platform: String, milliseconds: Int64, id: String?) throws -> [UInt8] {
        var key = KeyBytes(path: path)
        try key.append(string: platform, what: "platform")
        key.append(ordered: milliseconds)
        if let id { try key.append(hash: id) }
        return key.bytes
    }

    func platformPrefix(_ platform: String) throws -> [UInt8] {
        var key = KeyBytes(path: path)
        try key.append(string: platform, what: "platform")
        return key.bytes
    }

    /// platform\0 | version u32
    func model(platform: String, version: Int) throws -> [UInt8] {
        var key = KeyBytes(path: path)
        try key.append(string: platform, what: "platform")
        try key.append(count: version, what: "model version")
        return key.bytes
    }

    /// hash(32) | batch u32 | encoding\0
    func tokens(_ key: TokensKey) throws -> [UInt8] {
        var bytes = KeyBytes(path: path)
        bytes.append(raw: try tokensPrefix(graphHash: key.graphHash, batchSize: key.batchSize))
        try bytes.append(string: key.encoding, what: "token encoding")
        return bytes.bytes
    }

    /// hash(32) | batch u32: the tokens of one network at one batch size, in every encoding.
    func tokensPrefix(graphHash: String, batchSize: Int) throws -> [UInt8] {
        var bytes = KeyBytes(path: path)
        try bytes.append(hash: graphHash)
        try bytes.append(count: batchSize, what: "batch size")
        return bytes.bytes
    }

    func meta(_ name: String) -> [UInt8] {
        Array(name.utf8)
    }
}
