import Engine

/// The training loop of a retrain: fine-tunes a model on samples for some epochs.
///
/// Kept to one small function on purpose: the full training driver (Sources/Engine/Training)
/// can replace `train` without touching anything else here.
enum CandidateTraining {
    struct Plan: Sendable, Equatable {
        var epochs: Int
        var batchSize: Int
        var learningRate: Double
        var seed: UInt64
    }

    /// Thrown when `shouldStop` said so (the daemon is stopping); the model is then half
    /// trained and must be thrown away.
    struct Stopped: Error {}

    /// Trains `model` in place: each epoch visits the samples in a fresh seeded order, in
    /// minibatches, with the latency recipe's relative loss. Returns the number of steps.
    @discardableResult
    static func train(_ model: NARFormerModel, on samples: [TrainingSample], plan: Plan,
                      shouldStop: () -> Bool) throws -> Int {
        try train(model, on: samples, target: { $0 }, plan: plan, shouldStop: shouldStop)
    }

    /// Trains a checkpointed model in its own target units: the targets go through the
    /// model's target transform (the shipped models learn log latencies), so fine-tuning
    /// continues the objective the model was trained on.
    @discardableResult
    static func train(_ trained: TrainedModel, on samples: [TrainingSample], plan: Plan,
                      shouldStop: () -> Bool) throws -> Int {
        try train(trained.model, on: samples, target: { Float(trained.encode(Double($0))) }, plan: plan,
                  shouldStop: shouldStop)
    }

    private static func train(_ model: NARFormerModel, on samples: [TrainingSample], target: (Float) -> Float,
                              plan: Plan, shouldStop: () -> Bool) throws -> Int {
        guard !samples.isEmpty, plan.epochs > 0 else { return 0 }
        let batch = max(1, min(plan.batchSize, samples.count))
        let stepsPerEpoch = (samples.count + batch - 1) / batch
        let options = TrainingOptions(
            schedule: LearningRateSchedule(peak: Float(plan.learningRate), totalSteps: plan.epochs * stepsPerEpoch),
            seed: plan.seed)
        let trainer = Trainer(model: model, options: options)
        var generator = SplitMix64(seed: plan.seed ^ 0x9E37_79B9_7F4A_7C15)
        var order = Array(samples.indices)
        for _ in 0..<plan.epochs {
            order.shuffle(using: &generator)
            var start = 0
            while start < order.count {
                if shouldStop() { throw Stopped() }
                let picked = order[start..<min(start + batch, order.count)]
                try trainer.step(picked.map { samples[$0].graph }, targets: picked.map { target(samples[$0].latencyMs) })
                start += batch
            }
        }
        return trainer.stepCount
    }

    /// Predictions in milliseconds (the model's transform decoded), in packed chunks of 64.
    static func predict(_ trained: TrainedModel, _ samples: [TrainingSample]) throws -> [Double] {
        try trained.predictValues(samples.map(\.graph), batchSize: 64)
    }

    /// Predictions for every sample, in packed chunks of 64.
    static func predict(_ model: NARFormerModel, _ samples: [TrainingSample]) throws -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(samples.count)
        var start = 0
        while start < samples.count {
            let chunk = samples[start..<min(start + 64, samples.count)]
            out += try model.predict(chunk.map(\.graph)).map(Double.init)
            start += 64
        }
        return out
    }
}
