import Yams

/// Log levels, named as swift-log names them (`Logger.Level(rawValue:)` takes these).
public enum LogLevel: String, Sendable, Equatable, CaseIterable, Encodable {
    case trace, debug, info, notice, warning, error, critical
}

/// How log lines are written.
public enum LogFormat: String, Sendable, Equatable, CaseIterable, Encodable {
    /// One human-readable line per event.
    case text
    /// One JSON object per line, for log collectors.
    case json
}

/// `logging:` what the daemon logs and how.
public struct LoggingConfig: Sendable, Equatable, Encodable {
    public var level: LogLevel
    public var format: LogFormat

    public static let defaultLevel = LogLevel.info
    public static let defaultFormat = LogFormat.text

    public init(level: LogLevel = defaultLevel, format: LogFormat = defaultFormat) {
        self.level = level
        self.format = format
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case level, format
    }

    static func read(_ node: Node?, at path: ConfigKeyPath, parentMark: Mark?, reader: ConfigReader) -> LoggingConfig {
        let fields = reader.mapping(node, at: path, parentMark: parentMark, keys: CodingKeys.allCases.map(\.rawValue))
        guard let fields else { return LoggingConfig() }
        return LoggingConfig(
            level: reader.read(fields, "level", default: defaultLevel, reader.choice(LogLevel.self)),
            format: reader.read(fields, "format", default: defaultFormat, reader.choice(LogFormat.self))
        )
    }
}
