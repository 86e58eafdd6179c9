import Config
import Engine
import Foundation

/// How a retrain judges its candidate, and what it found.
///
/// With enough networks on the fixed hash holdout (`HoldoutSplit`, at least
/// `promotion.min_holdout`), the candidate trains on the rest and is judged on it, the same
/// networks in every retrain. A young platform has too few held-out networks for that: its
/// candidate recipe is judged by cross-validation over all its measured networks (folds of
/// networks, `CrossValidationFolds`), each network predicted by a candidate that never saw
/// it, and the candidate that is kept is then trained on every measurement. The compared
/// model predicts the same networks as they are. Once the holdout holds enough networks the
/// fixed holdout takes over by itself, unless the compared model is the platform's own
/// default model (or grown from it) and too few of them are networks it never trained on:
/// then the folds hold those networks only (`Plan.choose`).
package struct CandidateJudgement {
    package enum Plan: Sendable {
        case holdout(training: [MeasuredSample], holdout: [MeasuredSample])
        case crossValidation(samples: [MeasuredSample], folds: CrossValidationFolds)

        /// The plan for `samples` under `rule`: the fixed holdout once it holds
        /// `rule.fixedHoldoutFrom` networks, else cross-validation; nil when even that would
        /// judge fewer than `rule.minHoldout` networks (and 2).
        ///
        /// When the compared model is the default model made for the platform or grown from
        /// it (`exposure` names the networks it was trained on), a fixed holdout that holds
        /// too few networks it never trained on gives way to cross-validation over those
        /// networks alone (every other measurement is trained on in every fold): a known
        /// platform's new families land on the holdout a few at a time, and judged on the
        /// hundreds of old networks that model learned, every candidate would lose to its
        /// memory. A young platform's versions learned only its first few networks, and
        /// keep the fixed holdout (measured: cross-validating there too was better at 20-30
        /// networks on a new machine and worse at 40-80, and cost the suggested order its
        /// lead over random ones after 30).
        package static func choose(_ samples: [MeasuredSample], split: HoldoutSplit, rule: PromotionRule,
                                   exposure: ComparedExposure? = nil, maxFolds: Int = 5) -> Plan? {
            // Judging needs at least two networks: one to train on, one to judge.
            let judgedAtLeast = max(rule.minHoldout, 2)
            var training: [MeasuredSample] = []
            var holdout: [MeasuredSample] = []
            for sample in samples {
                if split.isHoldout(graphHash: sample.graphHash) { holdout.append(sample) } else { training.append(sample) }
            }
            if !training.isEmpty, Set(holdout.map(\.graphHash)).count >= rule.fixedHoldoutFrom {
                if let exposure, !exposure.defaultModelNetworks.isEmpty {
                    let unseen = samples.indices.filter { !exposure.mayHaveSeen(samples[$0], split: split) }
                    let unseenNetworks = Set(unseen.map { samples[$0].graphHash })
                    let unseenHoldout = unseenNetworks.filter { split.isHoldout(graphHash: $0) }
                    if unseenHoldout.count < judgedAtLeast, unseenNetworks.count >= judgedAtLeast {
                        let judged = Set(unseen)
                        return .crossValidation(samples: samples, folds: CrossValidationFolds(
                            graphHashes: samples.map(\.graphHash), judged: { judged.contains($0) }, maxFolds: maxFolds))
                    }
                }
                return .holdout(training: training, holdout: holdout)
            }
            guard Set(samples.map(\.graphHash)).count >= judgedAtLeast else { return nil }
            return .crossValidation(samples: samples, folds: CrossValidationFolds(graphHashes: samples.map(\.graphHash),
                                                                                  maxFolds: maxFolds))
        }
    }

    /// The candidate that is kept (trained on the holdout plan's training side, or on every
    /// measurement after a cross-validation).
    package var candidate: TrainedModel
    /// Measured latencies of the judged samples, the candidate's predictions for them (out
    /// of fold under cross-validation) and the compared model's, in the same order.
    package var measured: [Double]
    package var predicted: [Double]
    package var comparedPredicted: [Double]?
    package var trainingSize: Int
    /// Judged measurements; under cross-validation, every measurement.
    package var judgedSize: Int
    /// Number of folds; nil for the fixed holdout.
    package var folds: Int?
    /// Whether the judged samples were narrowed to those the compared model never saw.
    package var unseenByCompared = false

    /// Which judged samples the compared model may have trained on, so that a comparison
    /// on them would favour it.
    package struct ComparedExposure: Sendable {
        /// When the compared model is a version of the platform: trained on every
        /// measurement stored before `created` (`trainedOnAll`: it was judged by
        /// cross-validation), or on those outside the fixed holdout (judged on the holdout).
        package var version: (created: Date, trainedOnAll: Bool)?
        /// Networks (graph hashes) the default model made for the platform was trained on,
        /// measured on this very machine (the list its replay anchors carry): the compared
        /// model is that model or grown from it. Another platform's default model never saw
        /// this platform's measurements.
        package var defaultModelNetworks: Set<String>

        package init(version: (created: Date, trainedOnAll: Bool)?, defaultModelNetworks: Set<String> = []) {
            self.version = version
            self.defaultModelNetworks = defaultModelNetworks
        }

        package func mayHaveSeen(_ sample: MeasuredSample, split: HoldoutSplit) -> Bool {
            if defaultModelNetworks.contains(sample.graphHash) { return true }
            guard let version else { return false }
            return sample.storedAt <= version.created
                && (version.trainedOnAll || !split.isHoldout(graphHash: sample.graphHash))
        }
    }

    /// Narrows the judged samples to those the compared model never saw, when at least
    /// `minNetworks` networks remain; otherwise the comparison stays on all of them (and
    /// leans toward the compared model: a candidate must then beat it on its own ground).
    mutating func judgeOnUnseen(_ samples: [MeasuredSample], exposure: ComparedExposure?, split: HoldoutSplit,
                                minNetworks: Int) {
        guard let exposure, comparedPredicted != nil else { return }
        let keep = samples.indices.filter { !exposure.mayHaveSeen(samples[$0], split: split) }
        guard keep.count < samples.count, Set(keep.map { samples[$0].graphHash }).count >= max(minNetworks, 2) else { return }
        measured = keep.map { measured[$0] }
        predicted = keep.map { predicted[$0] }
        comparedPredicted = comparedPredicted.map { values in keep.map { values[$0] } }
        judgedSize = keep.count
        unseenByCompared = true
    }

    /// Runs `recipe` as `plan` says and lets `compared` (nil: nothing to compare with)
    /// predict the judged samples in its own encoding when it reads them; with `exposure`,
    /// the comparison is narrowed to what `compared` never saw (`judgeOnUnseen`).
    package static func run(_ plan: Plan, recipe: CandidateRecipe, compared: TrainedModel?,
                            exposure: ComparedExposure?, split: HoldoutSplit, minNetworks: Int,
                            stop: TrainingStopFlag) throws -> CandidateJudgement {
        switch plan {
        case .holdout(let training, let holdout):
            let candidate = try recipe.make(training: training, stop: stop)
            var judgement = CandidateJudgement(candidate: candidate, measured: holdout.map { Double($0.latencyMs) },
                                               predicted: try CandidateTraining.predict(candidate, holdout),
                                               comparedPredicted: try comparedPredictions(compared, holdout),
                                               trainingSize: training.count, judgedSize: holdout.count, folds: nil)
            judgement.judgeOnUnseen(holdout, exposure: exposure, split: split, minNetworks: minNetworks)
            return judgement
        case .crossValidation(let samples, let folds):
            // Judged: the samples of the folds, in sample order (all of them, unless the
            // plan's folds hold only what the compared model never saw).
            let judgedIndices = folds.folds.joined().sorted()
            var predicted = Array(repeating: Double.nan, count: samples.count)
            for fold in folds.folds {
                let held = Set(fold)
                let training = samples.indices.filter { !held.contains($0) }.map { samples[$0] }
                let model = try recipe.make(training: training, stop: stop)
                let values = try CandidateTraining.predict(model, fold.map { samples[$0] })
                for (index, value) in zip(fold, values) { predicted[index] = value }
            }
            let candidate = try recipe.make(training: samples, stop: stop)
            let judged = judgedIndices.map { samples[$0] }
            var judgement = CandidateJudgement(candidate: candidate, measured: judged.map { Double($0.latencyMs) },
                                               predicted: judgedIndices.map { predicted[$0] },
                                               comparedPredicted: try comparedPredictions(compared, judged),
                                               trainingSize: samples.count, judgedSize: judged.count,
                                               folds: folds.folds.count)
            if folds.leavesOut(sampleCount: samples.count) {
                judgement.unseenByCompared = judgement.comparedPredicted != nil
            } else {
                judgement.judgeOnUnseen(samples, exposure: exposure, split: split, minNetworks: minNetworks)
            }
            return judgement
        }
    }

    /// The compared model's predictions in its own encoding; nil when it does not read them
    /// (a whole-network model compared on cells).
    private static func comparedPredictions(_ compared: TrainedModel?, _ samples: [MeasuredSample]) throws -> [Double]? {
        guard let compared, let first = samples.first,
              CandidateRecipe.fits(compared.model.config, first.comparedGraph ?? first.graph) else { return nil }
        let asCompared = samples.map { sample in
            var copy = sample
            copy.graph = sample.comparedGraph ?? sample.graph
            return copy
        }
        return try CandidateTraining.predict(compared, asCompared)
    }
}
