import Config
import Foundation
import Yams

/// Reads a measurement drop (docs/measurements.md) into checked records. The first
/// problem fails the whole file: a lab fixes and re-drops one file rather than guessing
/// which of its records were taken.
package enum MeasurementFileParser {
    package static let recordKeys = ["network", "hash", "cell", "platform", "batch_size", "latency_ms", "measured_at", "device"]
    package static let referenceKeys = ["network", "hash", "cell"]
    /// Far above any real single-inference latency (about 11.6 days); beyond it a number is
    /// a unit mistake (microseconds, nanoseconds) rather than a measurement.
    package static let maximumLatencyMs = 1e9
    /// One nanosecond: below it a number is no timing a clock can take (a unit mistake, or a
    /// denormal such as 1e-320).
    package static let minimumLatencyMs = 1e-6
    /// The earliest year a `measured_at` may name (the start of Unix time); the latest is
    /// next year: anything else is a typing mistake, not a measurement.
    package static let earliestYear = 1970
    package static let maximumBatchSize = 65_536

    /// - Parameters:
    ///   - platforms: the platforms of the config; a record naming another fails the file.
    ///   - defaultPlatform: the inbox's platform, for records that do not name one.
    ///   - maxRecords: most records the file may hold (`limits.measurement_records`),
    ///     counted before the document is built, an alias as the record it stands for.
    package static func parse(_ data: Data, file: String, platforms: Set<String>, defaultPlatform: String,
                              maxRecords: Int = LimitsConfig.defaultMeasurementRecords)
        throws(MeasurementFileError) -> [MeasurementEntry] {
        func fail(_ node: Node?, _ field: String?, _ problem: String) -> MeasurementFileError {
            MeasurementFileError(file: file, line: node?.mark?.line, field: field, problem: problem)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw fail(nil, nil, "the file is not UTF-8 text; save it as UTF-8 YAML")
        }
        if let shape = MeasurementFileShape.count(text, maxRecords: maxRecords), shape.stoppedEarly {
            let what = shape.records > maxRecords
                ? "more than \(maxRecords) records (an alias counts as the record it stands for)"
                : "more YAML values than \(maxRecords) records can hold (aliases count as what they stand for)"
            throw fail(nil, nil, "the file holds \(what), the most one measurement file may hold "
                       + "(limits.measurement_records); split it into several files")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            let issue = YAMLSyntaxIssue.issue(for: error, file: file, yaml: text)
            throw MeasurementFileError(file: file, line: issue.line, field: nil, problem: issue.message)
        }
        guard let root, let top = root.mapping else {
            throw fail(root, nil, "the file must be a mapping with the key 'measurements:' holding a list of records")
        }
        for key in top.keys where key.string != "measurements" {
            throw fail(key, key.string ?? "?", "unknown key; the file holds only 'measurements:'")
        }
        guard let listNode = top["measurements"] else {
            throw fail(root, "measurements", "missing; the file must hold 'measurements:' with a list of records")
        }
        guard let list = listNode.sequence else {
            throw fail(listNode, "measurements", "must be a list of records (each starting with '- ')")
        }
        guard !list.isEmpty else {
            throw fail(listNode, "measurements", "the list is empty; a measurement file needs at least one record")
        }
        // The count above and this one agree on well-formed files; this one is the rule.
        guard list.count <= maxRecords else {
            throw fail(listNode, "measurements", "the list holds \(list.count) records, more than the \(maxRecords) one "
                       + "measurement file may hold (limits.measurement_records); split it into several files")
        }
        var entries: [MeasurementEntry] = []
        for (index, item) in list.enumerated() {
            let path = "measurements[\(index)]"
            guard let record = item.mapping else {
                throw fail(item, path, "must be a record with network (or hash or cell), batch_size and latency_ms")
            }
            entries.append(try parseRecord(record, node: item, path: path, platforms: platforms,
                                           defaultPlatform: defaultPlatform, fail: fail))
        }
        return entries
    }

    private static func parseRecord(_ record: Node.Mapping, node: Node, path: String, platforms: Set<String>,
                                    defaultPlatform: String,
                                    fail: (Node?, String?, String) -> MeasurementFileError)
        throws(MeasurementFileError) -> MeasurementEntry {
        for key in record.keys {
            guard let name = key.string, recordKeys.contains(name) else {
                throw fail(key, "\(path).\(key.string ?? "?")",
                           "unknown field; a record has \(recordKeys.joined(separator: ", "))")
            }
        }
        func text(_ key: String) throws(MeasurementFileError) -> (String, Node)? {
            guard let value = record[key] else { return nil }
            guard let scalar = value.scalar else {
                throw fail(value, "\(path).\(key)", "must be a single value, not a list or mapping")
            }
            return (scalar.string, value)
        }
        let given = referenceKeys.filter { record[$0] != nil }
        guard given.count == 1 else {
            throw fail(node, path, given.isEmpty
                       ? "missing field: name the network with 'network:' (a file in this inbox), 'hash:' or 'cell:'"
                       : "give only one of \(given.joined(separator: ", "))")
        }
        let network: MeasurementEntry.NetworkReference
        let field = "\(path).\(given[0])"
        guard let (value, valueNode) = try text(given[0]), !value.isEmpty else {
            throw fail(record[given[0]], field, "is empty")
        }
        switch given[0] {
        case "network":
            network = .file(value)
        case "hash":
            let hash = value.lowercased()
            guard hash.count == 64, hash.allSatisfy({ $0.isHexDigit }) else {
                throw fail(valueNode, field, "'\(value)' is not a graph hash (64 hexadecimal characters)")
            }
            network = .hash(hash)
        default:
            network = .cell(value)
        }

        let platform: String
        if let (name, platformNode) = try text("platform") {
            guard platforms.contains(name) else {
                throw fail(platformNode, "\(path).platform",
                           "platform '\(name)' is not in the daemon's config (known: \(platforms.sorted().joined(separator: ", "))); "
                           + "correct the name, or add the platform under platforms: and drop the file again")
            }
            platform = name
        } else {
            platform = defaultPlatform
        }

        guard let (batchText, batchNode) = try text("batch_size") else {
            throw fail(node, "\(path).batch_size", "missing field: the batch size the latency was measured at")
        }
        guard let batch = Int(batchText) else {
            throw fail(batchNode, "\(path).batch_size", "'\(batchText)' is not a whole number")
        }
        guard batch >= 1, batch <= maximumBatchSize else {
            throw fail(batchNode, "\(path).batch_size", "batch size \(batch) is implausible; it must be 1 to \(maximumBatchSize)")
        }

        guard let (latencyText, latencyNode) = try text("latency_ms") else {
            throw fail(node, "\(path).latency_ms", "missing field: the measured latency in milliseconds")
        }
        let latency = Double(latencyText)
        if let latency, !latency.isFinite {
            throw fail(latencyNode, "\(path).latency_ms", "'\(latencyText)' is not a finite number of milliseconds")
        }
        guard let latency, isDecimal(latencyText) else {
            throw fail(latencyNode, "\(path).latency_ms",
                       "'\(latencyText)' is not a number of milliseconds; write it in decimal, such as 12.3 or 1.5e2")
        }
        guard latency >= minimumLatencyMs, latency <= maximumLatencyMs else {
            throw fail(latencyNode, "\(path).latency_ms",
                       "latency \(latencyText) ms is implausible; it must be at least 0.000001 ms (1 ns) and at most \(Int(maximumLatencyMs)) ms")
        }

        var measuredAt: Date?
        if let (dateText, dateNode) = try text("measured_at") {
            guard let date = parseTime(dateText) else {
                throw fail(dateNode, "\(path).measured_at",
                           "'\(dateText)' is not an ISO 8601 time such as 2026-11-28T10:00:00Z")
            }
            let latestYear = year(of: Date()) + 1
            guard (earliestYear...latestYear).contains(year(of: date)) else {
                throw fail(dateNode, "\(path).measured_at",
                           "'\(dateText)' is implausible; a measurement time lies in the years \(earliestYear) to \(latestYear)")
            }
            measuredAt = date
        }
        let device = try text("device")?.0
        return MeasurementEntry(network: network, platform: platform, batchSize: batch, latencyMs: latency,
                                measuredAt: measuredAt, device: device, line: node.mark?.line ?? 0)
    }

    /// A decimal number: digits with an optional sign, point and exponent (`12`, `12.5`,
    /// `.5`, `1.5e2`); no hexadecimal, no `inf` or `nan`, no digit separators.
    package static func isDecimal(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        func digits() -> Int {
            let count = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
            bytes = bytes.dropFirst(count)
            return count
        }
        if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        var mantissa = digits()
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }

    /// The calendar year (UTC) of `date`.
    private static func year(of date: Date) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar.component(.year, from: date)
    }

    /// ISO 8601 with a zone (`Z` or `+01:00`), with or without fractional seconds.
    package static func parseTime(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
