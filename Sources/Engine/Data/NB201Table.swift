import Foundation

/// One NAS-Bench-201 cell with the selected target value.
public struct NB201Row: Sendable, Hashable, Codable, FamilySample {
    /// The cell's NAS-Bench-201 index (the `index` column).
    public var index: Int
    public var arch: String
    public var target: Double
    /// 1-based line of the CSV, for messages.
    public var line: Int

    public init(index: Int, arch: String, target: Double, line: Int) {
        self.index = index
        self.arch = arch
        self.target = target
        self.line = line
    }

    /// All cells form one family, so per-family code treats a CSV as a single group.
    public var family: String { "nb201" }
}

/// A NAS-Bench-201 CSV (`data/nb201/{train,val,latency}.csv`): `index`, `arch` and one
/// numeric column per target, of which one is selected.
public struct NB201Table: Sendable, Equatable {
    public static let defaultTarget = "cifar10_test"

    public var source: URL
    public var targetColumn: String
    /// Every numeric column the file offers (anything but `index` and `arch`).
    public var availableTargets: [String]
    public var rows: [NB201Row]

    public init(source: URL, targetColumn: String, availableTargets: [String], rows: [NB201Row]) {
        self.source = source
        self.targetColumn = targetColumn
        self.availableTargets = availableTargets
        self.rows = rows
    }

    /// Loads `url`, selecting `target` (default `cifar10_test`). Every target value must be
    /// a positive number (relative errors divide by it).
    public static func load(from url: URL, target: String? = nil) throws -> NB201Table {
        let csv = try StrictCSV.load(url)
        let file = url.path
        let (indexColumn, archColumn) = try requireIndexAndArch(csv, file: file)
        let targets = csv.header.filter { $0 != "index" && $0 != "arch" }
        let chosen = target ?? defaultTarget
        guard let targetColumn = csv.header.firstIndex(of: chosen), chosen != "index", chosen != "arch" else {
            let offered = targets.isEmpty ? "none" : targets.joined(separator: ", ")
            throw DatasetError(file: file, problem: "has no target column '\(chosen)'; available: \(offered)")
        }
        var rows: [NB201Row] = []
        var lineOfIndex: [Int: Int] = [:]
        rows.reserveCapacity(csv.rows.count)
        for row in csv.rows {
            let index = try parseIndex(row, column: indexColumn, file: file)
            if let earlier = lineOfIndex[index] {
                throw DatasetError(file: file, line: row.line, problem: "index \(index) already appears on line \(earlier)")
            }
            lineOfIndex[index] = row.line
            let arch = row.fields[archColumn]
            do {
                _ = try NB201EdgeOps(arch: arch)
            } catch let error as NB201EdgeOps.ParseError {
                throw DatasetError(file: file, line: row.line, problem: error.description)
            }
            let text = row.fields[targetColumn]
            guard let value = Double(text), value.isFinite, value > 0 else {
                throw DatasetError(file: file, line: row.line, problem: "\(chosen) value '\(text)' is not a positive number")
            }
            rows.append(NB201Row(index: index, arch: arch, target: value, line: row.line))
        }
        guard !rows.isEmpty else { throw DatasetError(file: file, problem: "holds no rows") }
        return NB201Table(source: url, targetColumn: chosen, availableTargets: targets, rows: rows)
    }

    /// The `index` values of another NAS-Bench-201 CSV (for `--rows-from` / `--rows-not-in`).
    public static func indices(in url: URL) throws -> Set<Int> {
        let csv = try StrictCSV.load(url)
        guard let column = csv.header.firstIndex(of: "index") else {
            throw DatasetError(file: url.path, line: 1, problem: "has no 'index' column (columns: \(csv.header.joined(separator: ", ")))")
        }
        var result = Set<Int>()
        for row in csv.rows { result.insert(try parseIndex(row, column: column, file: url.path)) }
        return result
    }

    /// Keeps the cells whose index appears in `other` (`--rows-from`).
    public func rows(from other: URL) throws -> NB201Table {
        let wanted = try Self.indices(in: other)
        return try keeping(description: "whose index appears in \(other.path)") { wanted.contains($0.index) }
    }

    /// Keeps the cells whose index does not appear in `other` (`--rows-not-in`).
    public func rows(notIn other: URL) throws -> NB201Table {
        let unwanted = try Self.indices(in: other)
        return try keeping(description: "whose index is not in \(other.path)") { !unwanted.contains($0.index) }
    }

    /// Keeps the cells whose index is in `indices` (from `indices(in:)`, read once and reused).
    public func rows(withIndexIn indices: Set<Int>) throws -> NB201Table {
        try keeping(description: "with one of the \(indices.count) given indices") { indices.contains($0.index) }
    }

    /// The first `count` rows in file order (the 5% split is the first 781 of train.csv).
    public func firstRows(_ count: Int) throws -> NB201Table {
        guard count > 0, count <= rows.count else {
            throw DatasetError(file: source.path, problem: "cannot take the first \(count) rows of \(rows.count)")
        }
        var copy = self
        copy.rows = Array(rows.prefix(count))
        return copy
    }

    private func keeping(description: String, _ predicate: (NB201Row) -> Bool) throws -> NB201Table {
        var copy = self
        copy.rows = rows.filter(predicate)
        guard !copy.rows.isEmpty else {
            throw DatasetError(file: source.path, problem: "has no rows \(description)")
        }
        return copy
    }

    private static func requireIndexAndArch(_ csv: StrictCSV, file: String) throws -> (Int, Int) {
        guard let index = csv.header.firstIndex(of: "index"), let arch = csv.header.firstIndex(of: "arch") else {
            throw DatasetError(file: file, line: 1, problem: "needs the columns 'index' and 'arch' (it has: \(csv.header.joined(separator: ", ")))")
        }
        return (index, arch)
    }

    private static func parseIndex(_ row: StrictCSV.Row, column: Int, file: String) throws -> Int {
        let text = row.fields[column]
        guard let index = Int(text), index >= 0 else {
            throw DatasetError(file: file, line: row.line, problem: "index '\(text)' is not a non-negative whole number")
        }
        return index
    }
}
