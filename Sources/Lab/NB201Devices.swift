import Engine
import Foundation
import Learning

/// `data/nb201`'s latency table as the cell experiments read it: every device column of
/// `latency.csv`, each cell's arch string and operations, and which cells are `train.csv`'s
/// (where measurements and priors come from) and `val.csv`'s (held back).
package struct NB201Devices: Sendable {
    /// device -> cell index -> ms.
    package let latencies: [String: [Int: Double]]
    package let archs: [Int: String]
    package let ops: [Int: [Int]]
    package let trainCells: [Int]
    package let valCells: [Int]

    package var deviceNames: [String] { latencies.keys.sorted() }

    package init(folder: URL) throws {
        let latencyCSV = folder.appendingPathComponent("latency.csv")
        let header = try String(contentsOf: latencyCSV, encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
        guard let firstDevice = header.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespacesAndNewlines) })
            .first(where: { $0 != "index" && $0 != "arch" }) else {
            throw Retrainer.Failure(description: "\(latencyCSV.path) has no device columns")
        }
        let first = try NB201Table.load(from: latencyCSV, target: firstDevice)
        var latencies: [String: [Int: Double]] = [:]
        for device in first.availableTargets {
            let table = try NB201Table.load(from: latencyCSV, target: device)
            latencies[device] = Dictionary(uniqueKeysWithValues: table.rows.map { ($0.index, $0.target) })
        }
        self.latencies = latencies
        archs = Dictionary(uniqueKeysWithValues: first.rows.map { ($0.index, $0.arch) })
        ops = try archs.mapValues { try NB201EdgeOps(arch: $0).ops }
        let train = try NB201Table.indices(in: folder.appendingPathComponent("train.csv"))
        let val = try NB201Table.indices(in: folder.appendingPathComponent("val.csv"))
        trainCells = archs.keys.filter(train.contains).sorted()
        valCells = archs.keys.filter(val.contains).sorted()
    }

    /// `train.csv`'s cells measured on `device`, in a seeded order: the order measurements arrive in.
    package func arrivalOrder(device: String, seed: UInt64) -> [Int] {
        var generator = SplitMix64(seed: seed)
        let values = latencies[device] ?? [:]
        return trainCells.shuffled(using: &generator).filter { values[$0] != nil }
    }

    /// The op-count baseline (`NB201OpCountBaseline`) fitted on `device`'s latencies of
    /// the cells `fitted`, predicting the cells `cells`.
    package func opCountPredictions(fittedOn fitted: [Int], device: String, for cells: [Int]) throws -> [Double] {
        let values = latencies[device] ?? [:]
        let edgeOps = try archs.mapValues { try NB201EdgeOps(arch: $0) }
        let baseline = try NB201OpCountBaseline(training: fitted.map { edgeOps[$0]! }, targets: fitted.map { values[$0]! })
        return baseline.predict(cells.map { edgeOps[$0]! })
    }

    /// The priors fitted on every device's `train.csv` cells (what the shipped file holds).
    package func priors() throws -> CellPriors {
        let train = Set(trainCells)
        return try CellPriors.fit(latencies: latencies, cells: ops.filter { train.contains($0.key) })
    }
}
