import Config
import Engine
import Foundation
import Learning

/// The learning curve of a new NAS-Bench-201 platform through the daemon's own path
/// (`NewCellPlatform`): the device's `train.csv` cells arrive as measurement drops of
/// `dropSize`, each followed by a retrain with the default settings; after each, the
/// active model is scored on one fixed set, the device's `val.csv` cells (never dropped),
/// beside the op-count least squares fitted on every cell received so far.
package struct LearningCurveExperiment {
    package struct Point: Sendable, Codable {
        package var measurements: Int
        package var decision: String
        package var version: Int?
        package var trained: Int
        package var heldOut: Int
        /// The active model on the fixed set: MAPE (percent) and Spearman; NaN while none is active.
        package var activeMAPE: Double
        package var activeRho: Double
        /// The op-count least squares on the cells received so far, on the fixed set (NaN
        /// below 25 cells, its number of coefficients).
        package var opCountMAPE: Double
        package var opCountRho: Double
    }

    package let fewShot: FewShotExperiment
    package var dropSize = 50
    package var drops = 8

    package init(fewShot: FewShotExperiment, dropSize: Int = 50, drops: Int = 8) {
        self.fewShot = fewShot
        self.dropSize = dropSize
        self.drops = drops
    }

    package func run(device: String, workDirectory: URL) async throws -> [Point] {
        let data = fewShot.data
        guard let values = data.latencies[device] else { throw Retrainer.Failure(description: "no device \(device)") }
        let platform = try NewCellPlatform(device: device, root: workDirectory.appendingPathComponent("curve-\(device)"),
                                           priors: fewShot.priors.excluding(device))
        defer { platform.remove() }
        let order = data.arrivalOrder(device: device, seed: fewShot.seed)
        let fixed = data.valCells.filter { values[$0] != nil }
        let fixedMeasured = fixed.map { values[$0]! }
        var points: [Point] = []
        for drop in 0..<drops {
            let cells = Array(order.dropFirst(drop * dropSize).prefix(dropSize))
            guard !cells.isEmpty else { break }
            try platform.measure(cells.map { (data.archs[$0]!, values[$0]!) })
            let report = try await platform.retrain()
            let active = try platform.score(fixed.map { (data.archs[$0]!, values[$0]!) })
            let received = Array(order.prefix(drop * dropSize + cells.count))
            var opCount: EvaluationMetrics?
            if received.count >= NB201EdgeCosts.featureCount {
                opCount = EvaluationMetrics(predicted: try data.opCountPredictions(fittedOn: received, device: device, for: fixed),
                                            measured: fixedMeasured)
            }
            points.append(Point(measurements: received.count, decision: report.decision.description, version: report.version,
                                trained: report.trainingSize, heldOut: report.holdoutSize,
                                activeMAPE: (active?.mape ?? .nan) * 100, activeRho: active?.spearman ?? .nan,
                                opCountMAPE: (opCount?.mape ?? .nan) * 100, opCountRho: opCount?.spearman ?? .nan))
        }
        return points
    }

    /// MAPE on the fixed set of the active model and of the op-count fit, against
    /// measurements received.
    package static func svg(_ points: [Point], device: String) -> String {
        LearningCurveChart(title: "New platform \(device): MAPE on its 200 val.csv cells", series: [
            .init(label: "active model", color: LearningCurveChart.palette[0],
                  points: points.filter { $0.activeMAPE.isFinite }.map { (Double($0.measurements), $0.activeMAPE) }),
            .init(label: "op-count fit", color: LearningCurveChart.palette[1],
                  points: points.filter { $0.opCountMAPE.isFinite }.map { (Double($0.measurements), $0.opCountMAPE) }),
        ]).svg()
    }
}
