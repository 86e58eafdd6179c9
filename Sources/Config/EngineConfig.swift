import Yams

/// `engine:` how predictions are computed.
public struct EngineConfig: Sendable, Equatable, Encodable {
    /// OpenBLAS threads (`openblas_set_num_threads`).
    public var threads: Int
    /// Most graphs packed into one inference batch.
    public var batchSize: Int

    public static let defaultThreads = 2
    public static let defaultBatchSize = 16

    public init(threads: Int = defaultThreads, batchSize: Int = defaultBatchSize) {
        self.threads = threads
        self.batchSize = batchSize
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case threads, batchSize = "batch_size"
    }

    static func read(_ node: Node?, at path: ConfigKeyPath, parentMark: Mark?, reader: ConfigReader) -> EngineConfig {
        let fields = reader.mapping(node, at: path, parentMark: parentMark, keys: CodingKeys.allCases.map(\.rawValue))
        guard let fields else { return EngineConfig() }
        return EngineConfig(
            threads: reader.read(fields, "threads", default: defaultThreads, reader.integer(in: 1...256)),
            batchSize: reader.read(fields, "batch_size", default: defaultBatchSize, reader.integer(in: 1...4096))
        )
    }
}
