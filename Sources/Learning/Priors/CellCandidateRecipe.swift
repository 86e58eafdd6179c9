import Engine
import Foundation

/// How a retrain makes the candidate of a platform whose measurements are NAS-Bench-201
/// cells, whatever model the platform starts from (a whole-network default cannot read a
/// cell): the cell priors adapted to the measured cells (`CellPriorAdaptation`) become the
/// candidate's additive base (`TrainedModel.cellBase`), and a small cell network learns a
/// multiplicative residual around it once there are enough cells to learn one.
///
/// Why a residual only from `residualMinimum` cells: a network fitted to a handful of
/// cells moves the ranking of the thousands it never saw by its own noise; below the
/// minimum its output is switched off (target width `networkOffWidth`: an output of 0 or 2
/// changes the prediction by 1 part in a million) and the candidate is the adapted profile
/// at the measured level. The minimum is measured: docs/continual-learning.md. From the
/// minimum, the residual is also kept only where it earns its place on held-back cells
/// (`residualRanksBetter`); from `CellPriorAdaptation.ownFitMinimum` cells the base is the
/// platform's own op-count fit, so a candidate with its residual off ranks cells exactly
/// as the op-count least squares on the same cells does.
package struct CellCandidateRecipe: Sendable {
    /// The residual network: the cell model's shape at a size that trains in seconds.
    package static let residualShape = ModelConfig(kind: .accuracy, inDim: NB201Cell.tokenDim, hidden: 64, layers: 2,
                                                   groups: 8, ffnRatio: 2, fcHidden: 64, staticDim: 0, readout: .mean,
                                                   dropout: 0)
    package static let networkOffWidth = 1e-6
    /// Measured: docs/continual-learning.md, "A known device with all its training cells".
    package static let defaultResidualMinimum = 400

    package var priors: CellPriors
    package var plan: CandidateTraining.Plan
    package var residualMinimum: Int
    /// From this many cells the base is the platform's own op-count fit (`CellPriorAdaptation.ownFitMinimum`).
    package var ownFitMinimum: Int
    /// Whether a residual must first earn its place on held-back cells (`residualRanksBetter`).
    package var checksResidual = true
    /// How much better (Spearman) the residual must rank the held-back fifth than its base.
    package static let residualCheckMargin = 0.001

    package init(priors: CellPriors, plan: CandidateTraining.Plan, residualMinimum: Int = defaultResidualMinimum,
                 ownFitMinimum: Int = CellPriorAdaptation.defaultOwnFitMinimum) {
        self.priors = priors
        self.plan = plan
        self.residualMinimum = residualMinimum
        self.ownFitMinimum = ownFitMinimum
    }

    private var adaptation: CellPriorAdaptation {
        var adaptation = CellPriorAdaptation(priors: priors)
        adaptation.ownFitMinimum = ownFitMinimum
        return adaptation
    }

    /// A made candidate and how its base was chosen.
    package struct Candidate {
        package var model: TrainedModel
        package var adaptation: CellPriorAdaptation.Result
        package var residualTrained: Bool
    }

    /// Whether every sample is a cell (its tokens read back as six edge operations).
    package static func allCells(_ samples: [MeasuredSample]) -> Bool {
        !samples.isEmpty && samples.allSatisfy { NB201Cell.edgeOperations(in: $0.graph) != nil }
    }

    /// How the outcome line names the prior of a candidate made from `training`: the known
    /// device the adaptation centres on (deterministic, and a small solve, so it is worked
    /// out again rather than carried out of the folds of a cross-validation).
    package static func priorName(_ priors: CellPriors, training: [MeasuredSample]) throws -> String? {
        let cells = training.compactMap { sample in
            NB201Cell.edgeOperations(in: sample.graph).map { (ops: $0, latencyMs: Double(sample.latencyMs)) }
        }
        guard !cells.isEmpty else { return nil }
        let adapted = try CellPriorAdaptation(priors: priors).adapt(cells: cells)
        let nearest = adapted.source ?? "mean of the cell priors"
        return adapted.ownFit ? "none (its own op-count fit; nearest known device \(nearest))" : nearest
    }

    /// A cell model made with its network switched off cannot be fine-tuned as it is (its
    /// tiny target width maps every other measurement outside the transform's range): when
    /// something fine-tunes it anyway (cells trained like networks, settings without cell
    /// priors), its width is first opened to the measurements' spread around its base.
    package static func prepareForFineTuning(_ trained: TrainedModel, on training: [MeasuredSample]) {
        guard trained.cellBase != nil, trained.transform == .log, trained.transformWidth <= networkOffWidth else { return }
        let logRatios = training.compactMap { sample -> Double? in
            guard let base = try? trained.baseValue(of: sample.graph), base > 0, sample.latencyMs > 0 else { return nil }
            return Foundation.log(Double(sample.latencyMs) / base / trained.targetScale)
        }
        trained.transformWidth = max((logRatios.map(abs).max() ?? 0) / 0.7, 1e-3)
    }

    /// The candidate for `training` (cells with positive latencies).
    package func make(platform: String, training: [MeasuredSample],
                      stop: TrainingStopFlag = TrainingStopFlag()) throws -> Candidate {
        var cells: [(ops: [Int], latencyMs: Double)] = []
        for sample in training {
            guard let ops = NB201Cell.edgeOperations(in: sample.graph) else {
                throw CellPriors.Problem(description: "measurement \(sample.measurementID) of \(platform) is not a NAS-Bench-201 cell")
            }
            guard sample.latencyMs > 0, sample.latencyMs.isFinite else {
                throw CellPriors.Problem(description: "measurement \(sample.measurementID) of \(platform) has a latency of \(sample.latencyMs) ms")
            }
            cells.append((ops, Double(sample.latencyMs)))
        }
        var learnsResidual = cells.count >= residualMinimum
        if learnsResidual, checksResidual {
            learnsResidual = try residualRanksBetter(platform: platform, training: training, cells: cells, stop: stop)
        }
        return try candidate(platform: platform, training: training, cells: cells, residual: learnsResidual, stop: stop)
    }

    /// Whether a residual is worth its noise on this platform: trained on four of every five
    /// cells, it must rank the fifth better than its own base does, by `residualCheckMargin`.
    /// Why: at full data the base is at the labels' noise ceiling on most devices, and a
    /// residual that learns nothing real only reorders close cells at random.
    private func residualRanksBetter(platform: String, training: [MeasuredSample], cells: [(ops: [Int], latencyMs: Double)],
                                     stop: TrainingStopFlag) throws -> Bool {
        let checked = training.indices.filter { $0 % 5 == 4 }
        let fitted = training.indices.filter { $0 % 5 != 4 }
        guard !checked.isEmpty else { return false }
        let trial = try candidate(platform: platform, training: fitted.map { training[$0] }, cells: fitted.map { cells[$0] },
                                  residual: true, stop: stop)
        let measured = checked.map { cells[$0].latencyMs }
        let withResidual = try trial.model.predictValues(checked.map { training[$0].graph })
        let baseOnly = checked.map { trial.adaptation.costs.predict(cells[$0].ops) }
        return Metrics.spearman(withResidual, measured) >= Metrics.spearman(baseOnly, measured) + Self.residualCheckMargin
    }

    private func candidate(platform: String, training: [MeasuredSample], cells: [(ops: [Int], latencyMs: Double)],
                           residual learnsResidual: Bool, stop: TrainingStopFlag) throws -> Candidate {
        let adaptation = try self.adaptation.adapt(cells: cells)
        let model = try NARFormerModel(config: Self.residualShape, seed: plan.seed)
        let trained = TrainedModel(model: model, targetScale: 1,
                                   metadata: CheckpointMetadata(tokenEncoding: ModelTokens.cell.storedName,
                                                                platform: platform, trainingDataDigest: ""))
        trained.transform = .log
        trained.cellBase = adaptation.costs
        // The residual's level and spread: ln(measured / base) over the measured cells. The
        // median, not the mean: a cell the base puts near zero (pixel3's 0.004 ms cells)
        // has a ratio that would move a mean by orders of magnitude.
        let logRatios = cells.map { Foundation.log($0.latencyMs / adaptation.costs.predict($0.ops)) }.sorted()
        let middle = logRatios.count / 2
        let centre = logRatios.count % 2 == 1 ? logRatios[middle] : (logRatios[middle - 1] + logRatios[middle]) / 2
        trained.targetScale = Foundation.exp(centre)
        if learnsResidual {
            let spread = logRatios.map { abs($0 - centre) }.max() ?? 0
            trained.transformWidth = max(spread / 0.7, 1e-3)
            try CandidateTraining.train(trained, on: training, plan: plan.forFreshWeights, stop: stop)
        } else {
            trained.transformWidth = Self.networkOffWidth
        }
        return Candidate(model: trained, adaptation: adaptation, residualTrained: learnsResidual)
    }
}
