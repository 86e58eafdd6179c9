import Foundation

/// Which samples of a data set file a command uses: the family, row and hold-out
/// filters of `narformer train` and `eval`. What is not selected is the complement
/// (the baseline fits on it in `eval`, so `--holdout every-fifth` scores the held-out
/// fifth with a baseline fitted on the other four fifths).
public struct DatasetSelection: Sendable {
    public enum Holdout: String, Sendable, CaseIterable {
        /// Within each family, the 5th, 10th, ... sample (`DatasetSplitter.holdOutEveryNth`).
        case everyFifth = "every-fifth"
    }

    public enum Side: Sendable {
        /// The samples a hold-out keeps for training.
        case train
        /// The held-out samples.
        case test
    }

    /// A target column of a NAS-Bench-201 CSV; several (comma separated) or `all-devices`
    /// (every column but the accuracy ones) make one data set over devices, the device as
    /// a static one-hot input.
    public var target: String?
    public var families: [String]?
    public var excludeFamilies: [String] = []
    public var rowsFrom: URL?
    public var rowsNotIn: URL?
    public var firstRows: Int?
    public var holdout: Holdout?
    public var side: Side = .train
    /// The tokens of whole networks (cells have their own); the cache given to `load`
    /// must be keyed by it.
    public var encoding: TokenEncoding = .baseline
    /// The tokens of NAS-Bench-201 cells read for one target column (a model over devices
    /// reads this project's cell tokens).
    public var cellEncoding: CellEncoding = .trans

    public init() {}

    /// The columns of NB201 CSVs that are accuracies, not device latencies.
    public static let accuracyColumns: Set<String> = ["cifar10_test", "cifar100_test", "imagenet16_test"]

    /// Whether `file` is read as a NAS-Bench-201 CSV (else as a latency list).
    public static func isNB201(_ file: URL) -> Bool { file.pathExtension.lowercased() == "csv" }

    /// The model kind a data set trains by default: accuracy for a CSV whose target is an
    /// accuracy column, latency otherwise.
    public func defaultKind(for file: URL) -> ModelConfig.Kind {
        guard Self.isNB201(file) else { return .latency }
        return Self.accuracyColumns.contains(target ?? NB201Table.defaultTarget) ? .accuracy : .latency
    }

    /// Loads `file` and splits it into the selected samples and the rest.
    public func load(_ file: URL, cache: TokenCache?,
                     progress: ((Int, Int) -> Void)? = nil) throws -> (selected: TrainingDataset, complement: TrainingDataset) {
        let all: TrainingDataset
        var selectedNames: Set<String>
        if Self.isNB201(file) {
            let devices = try deviceList(file)
            let base = try NB201Table.load(from: file, target: devices?.first ?? target)
            var table = base
            if let rowsFrom { table = try table.rows(from: rowsFrom) }
            if let rowsNotIn { table = try table.rows(notIn: rowsNotIn) }
            if let firstRows { table = try table.firstRows(firstRows) }
            if let devices {
                all = try TrainingDataset.cellsOnDevices(base, devices: devices)
                let chosen = Set(table.rows.map(\.index))
                let chosenDevices = Set(devices.filter { families?.contains($0) ?? true }).subtracting(excludeFamilies)
                selectedNames = Set(all.samples.filter { sample in
                    guard let index = Int(sample.name.split(separator: "@").first ?? "") else { return false }
                    return chosen.contains(index) && chosenDevices.contains(sample.family)
                }.map(\.name))
            } else {
                if families != nil || !excludeFamilies.isEmpty {
                    throw DatasetError(file: file, problem: "NAS-Bench-201 cells have no families to filter (use --rows-from / --rows-not-in)")
                }
                all = try TrainingDataset.cells(base, encoding: cellEncoding)
                selectedNames = Set(table.rows.map { String($0.index) })
            }
        } else {
            if rowsFrom != nil || rowsNotIn != nil || firstRows != nil || target != nil {
                throw DatasetError(file: file, problem: "--rows-from, --rows-not-in, --first-rows and --target apply to NAS-Bench-201 CSVs, not to latency lists")
            }
            let list = try LatencyList.load(from: file)
            let filtered = try list.filtered(includeFamilies: families, excludeFamilies: excludeFamilies)
            all = try TrainingDataset.latency(list, cache: cache, encoding: encoding, progress: progress)
            selectedNames = Set(filtered.records.map(\.id))
        }
        if let holdout {
            switch holdout {
            case .everyFifth:
                let candidates = all.samples.filter { selectedNames.contains($0.name) }
                let split: DatasetSplit<TrainingSample>
                do { split = try DatasetSplitter.holdOutEveryNth(candidates, period: 5) } catch {
                    throw DatasetError(file: file, problem: "\(error)")
                }
                selectedNames = Set((side == .train ? split.train : split.test).map(\.name))
            }
        }
        let selected = all.samples.indices.filter { selectedNames.contains(all.samples[$0].name) }
        let rest = all.samples.indices.filter { !selectedNames.contains(all.samples[$0].name) }
        guard !selected.isEmpty else { throw DatasetError(file: file, problem: "no samples are left after the selection") }
        return (all.subset(selected), all.subset(rest))
    }

    /// The device columns `target` names (one, several, or `all-devices`); nil for an
    /// accuracy column. A single device is a one-hot of width 1: a constant input.
    public func deviceList(_ file: URL) throws -> [String]? {
        guard let target else { return nil }
        if target == "all-devices" {
            let header = DatasetText.lines(try DatasetText.read(file)).first ?? ""
            let columns = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0 != "index" && $0 != "arch" && !Self.accuracyColumns.contains($0) }
            guard !columns.isEmpty else { throw DatasetError(file: file, problem: "has no device columns") }
            return columns
        }
        let devices = target.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if devices.count == 1, Self.accuracyColumns.contains(devices[0]) { return nil }
        return devices
    }
}
