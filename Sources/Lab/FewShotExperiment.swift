import Config
import Engine
import Foundation
import Learning

/// The HELP setting (a new device from few samples) on NAS-Bench-201 latencies, through
/// the daemon's path: each device in turn is a new platform (`NewCellPlatform`) whose
/// first `k` measured cells arrive as one measurement drop; one retrain with the default
/// settings follows, and the model it made active is scored on all the device's other
/// cells. The device is left out of the cell priors it adapts from. Nothing here adapts
/// anything: that is the retrainer's cell recipe (`CellCandidateRecipe`).
package struct FewShotExperiment {
    package struct Result: Sendable, Codable {
        package var device: String
        package var shots: Int
        /// The seed of the cells' arrival order.
        package var seed: UInt64
        /// The retrain's outcome line.
        package var outcome: String
        /// The known device the cell priors were centred on.
        package var source: String?
        /// Spearman's rho and MAPE (percent) of the active model on the device's other cells;
        /// NaN when no model became active.
        package var rho: Double
        package var mape: Double
        package var evaluated: Int
        package var seconds: Double
    }

    package let data: NB201Devices
    package let priors: CellPriors
    package var seed: UInt64 = 7

    package init(data: NB201Devices, priors: CellPriors) {
        self.data = data
        self.priors = priors
    }

    /// One fresh platform per shot count under `workDirectory`, removed after.
    package func run(device: String, shots: [Int], workDirectory: URL) async throws -> [Result] {
        guard let values = data.latencies[device] else { throw Retrainer.Failure(description: "no device \(device)") }
        let order = data.arrivalOrder(device: device, seed: seed)
        var results: [Result] = []
        for k in shots {
            let started = Date()
            let measured = Set(order.prefix(k))
            let platform = try NewCellPlatform(device: device, root: workDirectory.appendingPathComponent("fewshot-\(device)-\(k)"),
                                               priors: priors.excluding(device))
            defer { platform.remove() }
            try platform.measure(order.prefix(k).map { (data.archs[$0]!, values[$0]!) })
            let report = try await platform.retrain()
            let others = values.keys.filter { !measured.contains($0) }.sorted().map { (data.archs[$0]!, values[$0]!) }
            let metrics = try platform.score(others)
            results.append(Result(device: device, shots: k, seed: seed, outcome: report.summary, source: report.cellPrior,
                                  rho: metrics?.spearman ?? .nan, mape: (metrics?.mape ?? .nan) * 100,
                                  evaluated: others.count, seconds: Date().timeIntervalSince(started)))
        }
        return results
    }
}
