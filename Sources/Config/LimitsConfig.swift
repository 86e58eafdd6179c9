import Yams

/// `limits:` what one drop may cost the daemon. Inboxes are shared with careless and
/// hostile writers: every drop gets a size, record, node and time budget, so that no file
/// can exhaust the daemon's memory, stall other inboxes or make it restart forever.
public struct LimitsConfig: Sendable, Equatable, Encodable {
    /// Bytes of drops one batch reads before it is handed over; drops beyond it wait for
    /// the next batch, and a drop larger than the budget is read and processed alone.
    public var batchMemory: ByteSize
    /// Most records one measurement file may hold (aliases counted as the records they
    /// stand for); a file with more is failed before its records are built.
    public var measurementRecords: Int
    /// Most nodes one network may have.
    public var networkNodes: Int
    /// Most time one network import may take; a network that needs longer is failed.
    public var importTime: Duration
    /// A drop in progress when the daemon stopped (a kill, the watchdog, the kernel's
    /// out-of-memory killer) this many times is filed to `failed/` instead of tried again.
    public var recoveryAttempts: Int

    public static let defaultBatchMemory = ByteSize.mebibytes(256)
    public static let defaultMeasurementRecords = 100_000
    /// The importers' own ceiling.
    public static let maximumNetworkNodes = 1_000_000
    public static let defaultNetworkNodes = maximumNetworkNodes
    public static let defaultImportTime = Duration.seconds(120)
    public static let defaultRecoveryAttempts = 3

    public init(batchMemory: ByteSize = defaultBatchMemory, measurementRecords: Int = defaultMeasurementRecords,
                networkNodes: Int = defaultNetworkNodes, importTime: Duration = defaultImportTime,
                recoveryAttempts: Int = defaultRecoveryAttempts) {
        self.batchMemory = batchMemory
        self.measurementRecords = measurementRecords
        self.networkNodes = networkNodes
        self.importTime = importTime
        self.recoveryAttempts = recoveryAttempts
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case batchMemory = "batch_memory", measurementRecords = "measurement_records"
        case networkNodes = "network_nodes", importTime = "import_time", recoveryAttempts = "recovery_attempts"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(batchMemory.description, forKey: .batchMemory)
        try container.encode(measurementRecords, forKey: .measurementRecords)
        try container.encode(networkNodes, forKey: .networkNodes)
        try container.encode(DurationFormat.format(importTime), forKey: .importTime)
        try container.encode(recoveryAttempts, forKey: .recoveryAttempts)
    }

    static func read(_ node: Node?, at path: ConfigKeyPath, parentMark: Mark?, reader: ConfigReader) -> LimitsConfig {
        let fields = reader.mapping(node, at: path, parentMark: parentMark, keys: CodingKeys.allCases.map(\.rawValue))
        guard let fields else { return LimitsConfig() }
        return LimitsConfig(
            batchMemory: reader.read(fields, "batch_memory", default: defaultBatchMemory, reader.size(atLeast: .mebibytes(1))),
            measurementRecords: reader.read(fields, "measurement_records", default: defaultMeasurementRecords,
                                            reader.integer(in: 1...10_000_000)),
            networkNodes: reader.read(fields, "network_nodes", default: defaultNetworkNodes,
                                      reader.integer(in: 1...maximumNetworkNodes)),
            importTime: reader.read(fields, "import_time", default: defaultImportTime, reader.duration(atLeast: .seconds(1))),
            recoveryAttempts: reader.read(fields, "recovery_attempts", default: defaultRecoveryAttempts,
                                          reader.integer(in: 1...100))
        )
    }
}
