import Config
import Engine
import Foundation
import Learning

/// A known NAS-Bench-201 device with all its measured training cells: the cell model the
/// retrainer's cell recipe makes from the device's `train.csv` cells (the same library
/// call a retrain makes, `CellCandidateRecipe.make`, with the default retrain plan and the
/// device left out of its priors) against the op-count least squares fitted on the same
/// cells, both scored on the device's `val.csv` cells.
package struct KnownCellDeviceExperiment {
    package struct Result: Sendable, Codable {
        package var device: String
        package var cells: Int
        package var residualTrained: Bool
        package var modelRho: Double
        package var modelMAPE: Double
        package var opCountRho: Double
        package var opCountMAPE: Double
        package var seconds: Double
    }

    package let data: NB201Devices
    package let priors: CellPriors
    package var residualMinimum = CellCandidateRecipe.defaultResidualMinimum
    package var ownFitMinimum = CellPriorAdaptation.defaultOwnFitMinimum
    package var checksResidual = true
    /// At most this many training cells (all when nil), the first in the seeded arrival order.
    package var cellLimit: Int?
    package var seed: UInt64 = 7
    /// The retrain plan (a config's `retraining:` settings); the default one unless changed.
    package var plan = defaultPlan

    /// The plan a retrain with the default `retraining:` settings uses.
    package static let defaultPlan = CandidateTraining.Plan(
        epochs: RetrainingConfig.defaultEpochs, batchSize: RetrainingConfig.defaultBatchSize,
        learningRate: RetrainingConfig.defaultLearningRate, seed: RetrainSettings(retraining: RetrainingConfig(), modelsDirectory: "").seed)

    package init(data: NB201Devices, priors: CellPriors) {
        self.data = data
        self.priors = priors
    }

    package func run(device: String) throws -> Result {
        guard let values = data.latencies[device] else { throw Retrainer.Failure(description: "no device \(device)") }
        let started = Date()
        var order = data.arrivalOrder(device: device, seed: seed)
        if let cellLimit { order = Array(order.prefix(cellLimit)) }
        let training = try order.map { index in
            MeasuredSample(measurementID: "\(index)", graphHash: "\(index)",
                           graph: try NB201Cell(arch: data.archs[index]!).tokenGraph(), latencyMs: Float(values[index]!))
        }
        var recipe = CellCandidateRecipe(priors: priors.excluding(device), plan: plan,
                                         residualMinimum: residualMinimum, ownFitMinimum: ownFitMinimum)
        recipe.checksResidual = checksResidual
        let candidate = try recipe.make(platform: device, training: training)
        let val = data.valCells.filter { values[$0] != nil }
        let measured = val.map { values[$0]! }
        let model = EvaluationMetrics(
            predicted: try candidate.model.predictValues(try val.map { try NB201Cell(arch: data.archs[$0]!).tokenGraph() }),
            measured: measured)
        let opCount = EvaluationMetrics(predicted: try data.opCountPredictions(fittedOn: order, device: device, for: val),
                                        measured: measured)
        return Result(device: device, cells: training.count, residualTrained: candidate.residualTrained,
                      modelRho: model.spearman, modelMAPE: model.mape * 100, opCountRho: opCount.spearman,
                      opCountMAPE: opCount.mape * 100, seconds: Date().timeIntervalSince(started))
    }
}
