import Yams

/// `engine.blas_core`: which OpenBLAS kernel set predictions and training run on. `auto`
/// chooses from the processor's features (AVX-512 F/BW/DQ/VL: skylakex, AVX2 and FMA:
/// haswell, AVX: sandybridge, SSE4.2: nehalem, else prescott); a name asks for that set.
/// The program checks the set at start and falls back to a safer one if it computes wrong
/// results. The environment variable `OPENBLAS_CORETYPE`, when set, wins over this key.
/// The words are those of the engine's `BLASCore` (Sources/Engine/BLAS/BLASCore.swift),
/// kept equal by hand since this module does not depend on the engine.
public enum BLASCoreName: String, Sendable, Equatable, CaseIterable, Encodable {
    case auto, cooperlake, skylakex, zen, haswell, sandybridge, nehalem, prescott
}

/// `engine:` how predictions are computed.
public struct EngineConfig: Sendable, Equatable, Encodable {
    /// OpenBLAS threads (`openblas_set_num_threads`).
    public var threads: Int
    /// Most graphs packed into one inference batch.
    public var batchSize: Int
    /// OpenBLAS kernel set (read at start; a change takes effect at the next start).
    public var blasCore: BLASCoreName

    public static let defaultThreads = 2
    public static let defaultBatchSize = 16
    public static let defaultBLASCore = BLASCoreName.auto

    public init(threads: Int = defaultThreads, batchSize: Int = defaultBatchSize, blasCore: BLASCoreName = defaultBLASCore) {
        self.threads = threads
        self.batchSize = batchSize
        self.blasCore = blasCore
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case threads, batchSize = "batch_size", blasCore = "blas_core"
    }

    static func read(_ node: Node?, at path: ConfigKeyPath, parentMark: Mark?, reader: ConfigReader) -> EngineConfig {
        let fields = reader.mapping(node, at: path, parentMark: parentMark, keys: CodingKeys.allCases.map(\.rawValue))
        guard let fields else { return EngineConfig() }
        return EngineConfig(
            threads: reader.read(fields, "threads", default: defaultThreads, reader.integer(in: 1...256)),
            batchSize: reader.read(fields, "batch_size", default: defaultBatchSize, reader.integer(in: 1...4096)),
            blasCore: reader.read(fields, "blas_core", default: defaultBLASCore, reader.choice(BLASCoreName.self))
        )
    }
}
