import Yams

/// `store:` where the LMDB store lives and how it is opened.
public struct StoreConfig: Sendable, Equatable, Encodable {
    /// Absolute path of the store's directory (created when missing).
    public var path: String
    /// Initial LMDB map size; the store grows it when full.
    public var mapSize: ByteSize
    /// Most concurrent readers (LMDB `mdb_env_set_maxreaders`).
    public var maxReaders: Int

    public static let defaultMapSize = ByteSize.gibibytes(1)
    public static let defaultMaxReaders = 126

    public init(path: String, mapSize: ByteSize = defaultMapSize, maxReaders: Int = defaultMaxReaders) {
        self.path = path
        self.mapSize = mapSize
        self.maxReaders = maxReaders
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, mapSize = "map_size", maxReaders = "max_readers"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(mapSize.description, forKey: .mapSize)
        try container.encode(maxReaders, forKey: .maxReaders)
    }

    static func read(_ node: Node?, at path: ConfigKeyPath, parentMark: Mark?, reader: ConfigReader) -> StoreConfig {
        // A missing section is reported once, as missing, at the root.
        guard node != nil else { return StoreConfig(path: "/") }
        let fields = reader.mapping(node, at: path, parentMark: parentMark,
                                    keys: CodingKeys.allCases.map(\.rawValue), required: ["path"])
        guard let fields else { return StoreConfig(path: "/") }
        return StoreConfig(
            path: reader.read(fields, "path", default: "/", reader.path(.directoryToCreate)),
            mapSize: reader.read(fields, "map_size", default: defaultMapSize, reader.size(atLeast: .mebibytes(1))),
            maxReaders: reader.read(fields, "max_readers", default: defaultMaxReaders, reader.integer(in: 1...65_536))
        )
    }
}
