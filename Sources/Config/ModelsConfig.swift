import Yams

/// `models:` where model versions live and which models to start from.
public struct ModelsConfig: Sendable, Equatable, Encodable {
    /// Absolute path of the directory holding versioned model files (created when missing).
    public var directory: String
    /// A latency model file to use instead of the shipped default; nil: the shipped one.
    public var defaultLatency: String?
    /// An accuracy model file to use instead of the shipped default; nil: the shipped one.
    public var defaultAccuracy: String?

    public init(directory: String, defaultLatency: String? = nil, defaultAccuracy: String? = nil) {
        self.directory = directory
        self.defaultLatency = defaultLatency
        self.defaultAccuracy = defaultAccuracy
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case directory, defaultLatency = "default_latency", defaultAccuracy = "default_accuracy"
    }

    static func read(_ node: Node?, at path: ConfigKeyPath, parentMark: Mark?, reader: ConfigReader) -> ModelsConfig {
        // A missing section is reported once, as missing, at the root.
        guard node != nil else { return ModelsConfig(directory: "/") }
        let fields = reader.mapping(node, at: path, parentMark: parentMark,
                                    keys: CodingKeys.allCases.map(\.rawValue), required: ["directory"])
        guard let fields else { return ModelsConfig(directory: "/") }
        return ModelsConfig(
            directory: reader.read(fields, "directory", default: "/", reader.path(.directoryToCreate)),
            defaultLatency: reader.readOptional(fields, "default_latency", reader.path(.existingFile)),
            defaultAccuracy: reader.readOptional(fields, "default_accuracy", reader.path(.existingFile))
        )
    }
}
