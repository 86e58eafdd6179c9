import Engine
import Foundation

/// The training loop of a retrain: Engine's `TrainingDriver`
/// (the loop `narformer train` runs) fed with measured samples, so the daemon and the CLI
/// train the same way (minibatch order, learning-rate schedule, loss).
package enum CandidateTraining {
    package struct Plan: Sendable, Equatable {
        package var epochs: Int
        package var batchSize: Int
        package var learningRate: Double
        package var seed: UInt64
        /// L2-SP strength of the fine-tune (`TrainingOptions.startPenalty`); 0: none.
        package var startPenalty: Double

        /// The retrainer's L2-SP strength unless a lab run says otherwise.
        /// L2-SP at 0.3: what lets a fine-tune on a lab's new families through the gate
        /// without losing the old ones (measured: docs/continual-learning.md, "New
        /// families on a known platform"); neutral on a new machine's first networks.
        package static let defaultStartPenalty = 0.3

        package init(epochs: Int, batchSize: Int, learningRate: Double, seed: UInt64,
                     startPenalty: Double = defaultStartPenalty) {
            self.epochs = epochs
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.seed = seed
            self.startPenalty = startPenalty
        }

        /// The plan for a model that starts from fresh weights: no pull toward them (L2-SP
        /// keeps a fine-tune near what a checkpoint knew; random weights know nothing).
        package var forFreshWeights: Plan {
            var plan = self
            plan.startPenalty = 0
            return plan
        }
    }

    /// Thrown when the stop flag was raised (the daemon is stopping); the model is then
    /// half trained and must be thrown away.
    package struct Stopped: Error {}


    /// Trains a checkpointed model in place, in its own target units: the driver sends the
    /// targets through the model's transform (the shipped models learn log latencies), so
    /// fine-tuning continues the objective the model was trained on. Without validation
    /// the driver keeps the last epoch. Returns the number of steps.
    @discardableResult
    package static func train(_ trained: TrainedModel, on samples: [MeasuredSample], plan: Plan,
                      stop: TrainingStopFlag = TrainingStopFlag()) throws -> Int {
        guard let first = samples.first, plan.epochs > 0 else { return 0 }
        var recipe = TrainingRecipe(epochs: plan.epochs, batchSize: max(1, min(plan.batchSize, samples.count)),
                                    peakLearningRate: Float(plan.learningRate), seed: plan.seed,
                                    loss: .standard(for: trained.model.config))
        recipe.startPenalty = Float(plan.startPenalty)
        let encoding = trained.metadata.tokenEncoding.isEmpty
            ? (ModelTokens(readBy: first.graph)?.storedName ?? "") : trained.metadata.tokenEncoding
        let dataset = TrainingDataset(encoding: encoding, samples: samples.map(\.trainingSample))
        let result = try TrainingDriver(recipe: recipe, stopFlag: stop).run(trained, train: dataset)
        if result.interrupted { throw Stopped() }
        return result.steps
    }

    /// Moves a checkpoint's output level to the platform's: multiplies its target scale by
    /// the geometric mean of measured over predicted latency on `samples`. For the
    /// multiplicative transforms (ratio, log) that scales every prediction by one factor
    /// and changes nothing else, so a model that ranks a new platform's networks well but
    /// misses their level (another machine, a family it never saw) starts fine-tuning at
    /// the right level instead of spending its few steps getting there. Returns the factor
    /// (1 for the affine and quantile transforms of accuracy models, which are not multiplicative).
    @discardableResult
    package static func calibrateScale(_ trained: TrainedModel, on samples: [MeasuredSample]) throws -> Double {
        // Only ratio and log are multiplicative; affine and quantile (accuracy) are not.
        guard trained.transform == .ratio || trained.transform == .log, !samples.isEmpty else { return 1 }
        let predicted = try predict(trained, samples)
        let logRatios = zip(samples, predicted).compactMap { sample, prediction -> Double? in
            let ratio = Double(sample.latencyMs) / prediction
            return ratio > 0 && ratio.isFinite ? log(ratio) : nil
        }
        guard !logRatios.isEmpty else { return 1 }
        let factor = exp(logRatios.reduce(0, +) / Double(logRatios.count))
        trained.targetScale *= factor
        return factor
    }

    /// Predictions in milliseconds (the model's transform decoded), in packed chunks of 64.
    package static func predict(_ trained: TrainedModel, _ samples: [MeasuredSample]) throws -> [Double] {
        try trained.predictValues(samples.map(\.graph), batchSize: 64)
    }
}
