import Config
import Engine
import Foundation
import Learning

/// How the rate correction alone (no fine-tuning, no gate) does on a new machine's first
/// measured networks, for each way of fitting it: the diagnosis behind the retrainer's
/// choice of penalty.
///
/// The arrival order and the training side are the learning curve's (`LatencyLearningCurve`:
/// the same seeded shuffle; a young platform trains on all it measured, one with enough
/// networks on the hash holdout's side only on the rest), and the correction is scored on
/// every network of the list it did not train on, overall and per family. The fit itself is
/// the product's (`NodeCostRateFit.problem`, `RateCorrectionProblem`, `NodeCostRateFit.apply`);
/// only the way the penalty is chosen varies.
package struct RateCorrectionStudy {
    package struct Fitter: Sendable {
        package var name: String
        /// Whether the problem has the size slopes (`NodeCostRateFit.sizeColumns`).
        package var sizeSlopes: Bool
        package var fit: @Sendable (RateCorrectionProblem) -> RateCorrection

        package init(name: String, sizeSlopes: Bool = false, fit: @escaping @Sendable (RateCorrectionProblem) -> RateCorrection) {
            self.name = name
            self.sizeSlopes = sizeSlopes
            self.fit = fit
        }
    }

    package struct Row: Sendable, Codable {
        package var seed: UInt64
        package var measured: Int
        package var trained: Int
        package var fitter: String
        package var lambda: Double
        /// The term shifts' penalty (`lambda` for a one-penalty fit).
        package var mape: Double
        /// MAPE (percent) per family of the scored networks.
        package var families: [String: Double]
        /// The group shifts larger than 0.2 in size, by "term/token column".
        package var largeShifts: [String: Double]
    }

    package let list: LatencyList
    package let dataset: TrainingDataset
    package let model: URL
    /// Each record's graph hash, as the intake stores it.
    package let hashes: [String]
    package let holdoutShare: Double
    package let minHoldout: Int

    package init(list: LatencyList, dataset: TrainingDataset, model: URL, holdoutShare: Double = 0.2,
                 minHoldout: Int = PromotionRule.defaultMinHoldout) throws {
        self.list = list
        self.dataset = dataset
        self.model = model
        self.holdoutShare = holdoutShare
        self.minHoldout = minHoldout
        hashes = try list.records.map { try NetworkImporter.importFile(at: $0.onnxFile, batchSize: $0.batchSize).contentHash }
    }

    static func largeShifts(_ correction: RateCorrection, groups: [NodeCostRateFit.Group]) -> [String: Double] {
        var out: [String: Double] = [:]
        for r in 0..<RateCorrection.terms {
            for (index, group) in groups.enumerated() where abs(correction.groupShift[r][index]) > 0.2 {
                out["\(r)/\(group.column)"] = correction.groupShift[r][index]
            }
        }
        return out
    }

    /// One row per seed, number of measured networks and fitter.
    package func run(seeds: [UInt64], measured counts: [Int], fitters: [Fitter]) throws -> [Row] {
        let split = HoldoutSplit(share: holdoutShare)
        var rows: [Row] = []
        for seed in seeds {
            var generator = SplitMix64(seed: seed)
            let order = Array(list.records.indices).shuffled(using: &generator)
            for count in counts {
                let fed = Array(order.prefix(count))
                let held = fed.filter { split.isHoldout(graphHash: hashes[$0]) }
                // The retrainer's judging plan: the fixed holdout once it holds enough networks.
                let training = Set(held).count >= max(minHoldout, 1) && held.count < fed.count
                    ? fed.filter { !split.isHoldout(graphHash: hashes[$0]) } : fed
                let trainedSet = Set(training)
                let scored = list.records.indices.filter { !trainedSet.contains($0) }
                let samples = training.map { index in
                    MeasuredSample(measurementID: list.records[index].id, graphHash: hashes[index],
                                   graph: dataset.samples[index].graph, latencyMs: Float(list.records[index].latencyMs))
                }
                let prior = try TrainedModel.load(from: model)
                var problems: [Bool: (problem: RateCorrectionProblem, groups: [NodeCostRateFit.Group])] = [:]
                for fitter in fitters {
                    let posed = try problems[fitter.sizeSlopes]
                        ?? NodeCostRateFit.problem(for: prior, samples: samples, sizeSlopes: fitter.sizeSlopes)
                    problems[fitter.sizeSlopes] = posed
                    let correction = fitter.fit(posed.problem)
                    let trained = try TrainedModel.load(from: model)
                    try NodeCostRateFit.apply(correction, groups: posed.groups, to: trained)
                    let predicted = try trained.predictValues(scored.map { dataset.samples[$0].graph })
                    let measuredValues = scored.map { list.records[$0].latencyMs }
                    var errors: [String: [Double]] = [:]
                    for (k, index) in scored.enumerated() {
                        errors[list.records[index].family, default: []].append(abs(predicted[k] / measuredValues[k] - 1))
                    }
                    rows.append(Row(seed: seed, measured: count, trained: training.count, fitter: fitter.name,
                                    lambda: correction.lambda,
                                    mape: EvaluationMetrics(predicted: predicted, measured: measuredValues).mape * 100,
                                    families: errors.mapValues { 100 * $0.reduce(0, +) / Double($0.count) },
                                    largeShifts: Self.largeShifts(correction, groups: posed.groups)))
                }
            }
        }
        return rows
    }
}
