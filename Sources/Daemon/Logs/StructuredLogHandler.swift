import Foundation
import Glibc
import Logging

/// One line per event on stdout (the journal under systemd), as `key=value` pairs or as a
/// JSON object, so that logs can be grepped by a person and parsed by a pipeline.
package struct StructuredLogHandler: LogHandler {
    package enum Format: String, Sendable, CaseIterable {
        case keyValue = "logfmt"
        case json
    }

    /// Where finished lines go (stdout by default; tests collect them).
    package typealias Sink = @Sendable (String) -> Void

    package var format: Format
    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: Sink

    package init(label: String, format: Format, level: Logger.Level = .info, sink: @escaping Sink = Self.standardOutput) {
        self.label = label
        self.format = format
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
        var fields: [(String, String)] = [
            ("ts", Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))),
            ("level", event.level.rawValue),
            ("msg", event.message.description),
        ]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() {
            if let value = merged[key] { fields.append((key, "\(value)")) }
        }
        sink(Self.render(fields, as: format))
    }

    package static func render(_ fields: [(String, String)], as format: Format) -> String {
        switch format {
        case .keyValue:
            return fields.map { "\($0.0)=\(logfmtValue($0.1))" }.joined(separator: " ")
        case .json:
            return "{" + fields.map { "\(jsonString($0.0)):\(jsonString($0.1))" }.joined(separator: ",") + "}"
        }
    }

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
