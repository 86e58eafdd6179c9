import Engine
import Foundation

/// How a retrain makes a candidate from training measurements: the start model (a
/// checkpoint, or fresh weights), brought to the platform's level, then fine-tuned.
///
/// One value describes the whole recipe so that cross-validation can run exactly the recipe
/// that is promoted: once per fold on the other folds' measurements, then once on all of
/// them. Every step is seeded, so two runs on the same measurements give the same weights.
package struct CandidateRecipe: Sendable {
    package var platform: String
    /// The checkpoint to start from; nil: fresh weights shaped by `scratchConfig`.
    package var start: ModelSource?
    package var scratchConfig: @Sendable (TokenGraph) -> ModelConfig
    package var plan: CandidateTraining.Plan
    /// For cell measurements: the cell priors the candidate is adapted from instead
    /// (`CellCandidateRecipe`); nil: cells are trained like networks.
    package var cellPriors: (@Sendable () throws -> CellPriors)?
    /// Networks the default model knows, replayed during the fine-tune (`ReplayAnchors`):
    /// at `anchorsModel`'s predictions when it is set, otherwise at the adapted start
    /// model's, where it is trusted; nil: none.
    package var anchors: ReplayAnchors?
    /// The default model made for this very platform (`ModelSource.isDefault`), whose
    /// predictions the anchors are replayed at whatever version the candidate starts from;
    /// nil when the platform's default model is another machine's.
    package var anchorsModel: ModelSource?

    package init(platform: String, start: ModelSource?, scratchConfig: @escaping @Sendable (TokenGraph) -> ModelConfig,
                 plan: CandidateTraining.Plan, cellPriors: (@Sendable () throws -> CellPriors)? = nil,
                 anchors: ReplayAnchors? = nil, anchorsModel: ModelSource? = nil) {
        self.platform = platform
        self.start = start
        self.scratchConfig = scratchConfig
        self.plan = plan
        self.cellPriors = cellPriors
        self.anchors = anchors
        self.anchorsModel = anchorsModel
    }

    /// A candidate trained on `training` (not empty; every sample fits the start model,
    /// see `fits`).
    package func make(training: [MeasuredSample], stop: TrainingStopFlag) throws -> TrainedModel {
        guard let first = training.first else {
            throw Retrainer.Failure(description: "no measurement of \(platform) to train on")
        }
        if let cellPriors {
            return try CellCandidateRecipe(priors: try cellPriors(), plan: plan)
                .make(platform: platform, training: training, stop: stop).model
        }
        let trained: TrainedModel
        var replay: [MeasuredSample] = []
        if let start {
            trained = try TrainedModel.load(from: start.url)
            CellCandidateRecipe.prepareForFineTuning(trained, on: training)
            // The anchors, when a fine-tune follows and the start model reads their tokens.
            let usable = anchors.flatMap { anchors in
                plan.epochs > 0 && anchors.encoding == trained.metadata.tokenEncoding
                    && CandidateRecipe.fits(trained.model.config, anchors.anchors.first?.graph ?? first.graph) ? anchors : nil
            }
            let measured = Set(training.map(\.graphHash))
            // The default model made for this very platform already predicts this machine:
            // its anchors are replayed at what it predicts, however far off it is on the
            // measured networks (new families a lab brings to a known platform are where it
            // errs most, and what must not push the old ones out), and for every version
            // grown from it (the old families' knowledge is the default model's; a version
            // replayed at its own adapted predictions passed on what its fine-tune had
            // already moved).
            if let usable, let anchorsModel {
                let owner = anchorsModel == start ? trained : try TrainedModel.load(from: anchorsModel.url)
                replay = try usable.samples(predictedBy: owner, excluding: measured)
            }
            // A checkpoint is first brought to the platform's level (one factor; for a
            // node-cost model, per node group: `NodeCostRateFit`), then fine-tuned, so its
            // few steps go to what differs between networks. On the default model's own
            // platform its anchors are this machine's too: the rates are fitted on them as
            // well, so a rate the new networks ask for does not move the old ones.
            let levelSamples = anchorsModel == nil ? training : training + replay
            if try NodeCostRateFit.adapt(trained, on: levelSamples) == nil {
                try CandidateTraining.calibrateScale(trained, on: levelSamples)
            }
            // Another machine's anchors are replayed only where the adapted start model is
            // trusted here.
            if let usable, anchorsModel == nil, try usable.trusted(trained, on: training) {
                replay = try usable.samples(predictedBy: trained, excluding: measured)
            }
        } else {
            // A fresh model's scale is the training median, its output starts near 1.
            let latencies = training.map { Double($0.latencyMs) }.sorted()
            trained = TrainedModel(model: try NARFormerModel(config: scratchConfig(first.graph), seed: plan.seed),
                                   targetScale: max(latencies[latencies.count / 2], 1e-6),
                                   metadata: CheckpointMetadata(tokenEncoding: "", platform: platform, trainingDataDigest: ""))
        }
        try CandidateTraining.train(trained, on: training + replay, plan: start == nil ? plan.forFreshWeights : plan, stop: stop)
        if stop.isRequested { throw CandidateTraining.Stopped() }
        return trained
    }

    /// Whether a model of `config` reads `graph` (token width, and the static features a
    /// latency head needs).
    package static func fits(_ config: ModelConfig, _ graph: TokenGraph) -> Bool {
        graph.tokenDim == config.inDim
            && (config.kind == .accuracy ? graph.staticFeatures.isEmpty : graph.staticFeatures.count == config.staticDim)
    }
}
