import Foundation

/// One measured network of a latency list.
public struct LatencyRecord: Sendable, Hashable, Codable, FamilySample {
    public var id: String
    /// The ONNX file, resolved against the list's folder when the list gave a relative path.
    public var onnxFile: URL
    public var batchSize: Int
    public var latencyMs: Double
    public var family: String
    public var platform: String?
    public var inputResolution: Int?
    /// 1-based line of the list this record came from, for messages.
    public var line: Int

    public init(id: String, onnxFile: URL, batchSize: Int, latencyMs: Double, family: String,
                platform: String? = nil, inputResolution: Int? = nil, line: Int) {
        self.id = id
        self.onnxFile = onnxFile
        self.batchSize = batchSize
        self.latencyMs = latencyMs
        self.family = family
        self.platform = platform
        self.inputResolution = inputResolution
        self.line = line
    }
}

/// A latency data set in the NNLQP list format:
/// `<id> <onnx path> <batch> <latency ms> <family> [<platform> [<input res>]]`,
/// whitespace separated; `#` starts a comment line; blank lines are skipped.
public struct LatencyList: Sendable, Equatable {
    public var source: URL
    public var records: [LatencyRecord]

    public init(source: URL, records: [LatencyRecord]) {
        self.source = source
        self.records = records
    }

    public static func load(from url: URL) throws -> LatencyList {
        try parse(DatasetText.read(url), source: url)
    }

    /// Parses list text; relative ONNX paths resolve against `source`'s folder.
    public static func parse(_ text: String, source: URL) throws -> LatencyList {
        let folder = source.deletingLastPathComponent()
        var records: [LatencyRecord] = []
        var firstLineOfID: [String: Int] = [:]
        for (offset, rawLine) in DatasetText.lines(text).enumerated() {
            let lineNumber = offset + 1
            let trimmed = rawLine.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            func fail(_ problem: String) -> DatasetError {
                DatasetError(file: source, line: lineNumber, problem: problem)
            }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard (5...7).contains(fields.count) else {
                throw fail("has \(fields.count) fields; expected 5 to 7: <id> <onnx path> <batch> <latency ms> <family> [<platform> [<input res>]]")
            }
            let id = fields[0]
            if let earlier = firstLineOfID[id] {
                throw fail("id '\(id)' was already used on line \(earlier)")
            }
            guard let batch = Int(fields[2]), batch > 0 else {
                throw fail("batch size '\(fields[2])' is not a positive whole number")
            }
            guard let latency = Double(fields[3]), latency.isFinite, latency > 0 else {
                throw fail("latency '\(fields[3])' is not a positive number of milliseconds")
            }
            var resolution: Int?
            if fields.count == 7 {
                guard let value = Int(fields[6]), value > 0 else {
                    throw fail("input resolution '\(fields[6])' is not a positive whole number")
                }
                resolution = value
            }
            let path = fields[1]
            let file = path.hasPrefix("/") ? URL(fileURLWithPath: path)
                                           : folder.appendingPathComponent(path)
            firstLineOfID[id] = lineNumber
            records.append(LatencyRecord(id: id, onnxFile: file.standardizedFileURL, batchSize: batch,
                                         latencyMs: latency, family: fields[4],
                                         platform: fields.count >= 6 ? fields[5] : nil,
                                         inputResolution: resolution, line: lineNumber))
        }
        guard !records.isEmpty else {
            throw DatasetError(file: source, problem: "holds no measurements")
        }
        return LatencyList(source: source, records: records)
    }

    /// Family names in order of first appearance.
    public var families: [String] { FamilyFilter.familiesInOrder(records) }

    /// Keeps the records of the `include`d families (all when nil) minus the `exclude`d ones.
    /// Naming a family the list does not have is an error (a typo would silently empty the set).
    public func filtered(includeFamilies include: [String]? = nil, excludeFamilies exclude: [String] = []) throws -> LatencyList {
        let kept = try FamilyFilter.apply(records, include: include, exclude: exclude, file: source.path)
        return LatencyList(source: source, records: kept)
    }
}
