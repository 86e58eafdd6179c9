import Foundation
import Glibc
import Logging
import Store

/// One line per event on stdout (the journal under systemd), as `key=value` pairs or as a
/// JSON object, so that logs can be grepped by a person and parsed by a pipeline.
///
/// Timestamps are RFC 3339 in UTC (`Z`). Numbers logged as numbers (`.stringConvertible`
/// of an integer or a finite float) are JSON numbers. When stdout is the journal (systemd
/// sets `JOURNAL_STREAM` to its device and inode), each line starts with its syslog
/// priority (`<4>` for warning), so `journalctl -p warning` shows warnings and worse only.
package struct StructuredLogHandler: LogHandler {
    package enum Format: String, Sendable, CaseIterable {
        case keyValue = "logfmt"
        case json
    }

    /// Where finished lines go (stdout by default; tests collect them).
    package typealias Sink = @Sendable (String) -> Void

    package var format: Format
    /// Whether lines start with their syslog priority (`<N>`); see `journalPriorities`.
    package var priorityPrefix: Bool
    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: Sink

    package init(label: String, format: Format, level: Logger.Level = .info,
                 priorityPrefix: Bool = Self.standardOutputIsJournal, sink: @escaping Sink = Self.standardOutput) {
        self.label = label
        self.format = format
        self.priorityPrefix = priorityPrefix
        self.logLevel = level
        self.sink = sink
    }

    /// Makes every Logger in the process use this handler. Call once, first thing.
    package static func bootstrap(format: Format, level: Logger.Level = .info) {
        LoggingSystem.bootstrap { label in StructuredLogHandler(label: label, format: format, level: level) }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var fields: [Field] = [
            Field("ts", StoreJSON.timestamp(Date())),
            Field("level", event.level.rawValue),
            Field("msg", event.message.description),
        ]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() {
            if let value = merged[key] { fields.append(Field(key, value)) }
        }
        let line = Self.render(fields, as: format)
        sink(priorityPrefix ? "<\(Self.syslogPriority(event.level))>" + line : line)
    }

    /// One key and its value as text; `isNumber` when it was logged as a number.
    package struct Field: Sendable {
        package var key: String
        package var value: String
        package var isNumber: Bool

        package init(_ key: String, _ value: String, isNumber: Bool = false) {
            self.key = key
            self.value = value
            self.isNumber = isNumber
        }

        init(_ key: String, _ value: Logger.Metadata.Value) {
            self.key = key
            self.value = "\(value)"
            if case .stringConvertible(let convertible) = value {
                switch convertible {
                case is any BinaryInteger: isNumber = true
                case let number as Double: isNumber = number.isFinite
                case let number as Float: isNumber = number.isFinite
                default: isNumber = false
                }
            } else {
                isNumber = false
            }
        }
    }

    package static func render(_ fields: [Field], as format: Format) -> String {
        switch format {
        case .keyValue:
            return fields.map { "\($0.key)=\(logfmtValue($0.value))" }.joined(separator: " ")
        case .json:
            return "{" + fields.map { "\(jsonString($0.key)):\($0.isNumber ? $0.value : jsonString($0.value))" }
                .joined(separator: ",") + "}"
        }
    }

    /// syslog(3) priorities: the journal files each line under its own.
    package static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// True when stdout is the journal stream systemd connected (`JOURNAL_STREAM` names
    /// the device and inode of that stream; a redirected stdout has others).
    package static let standardOutputIsJournal: Bool = {
        guard let stream = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        let parts = stream.split(separator: ":")
        var info = stat()
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]),
              fstat(STDOUT_FILENO, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }()

    private static func logfmtValue(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy {
            $0.value > 0x20 && $0 != "\"" && $0 != "=" && $0 != "\\" && $0.value != 0x7F
        }
        return plain ? value : jsonString(value)
    }

    /// A JSON string literal; also the quoting used for logfmt values, so no value can
    /// break a line in two.
    package static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    out += String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// One write(2) per line, so lines from different threads never interleave.
    package static let standardOutput: Sink = { line in
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
