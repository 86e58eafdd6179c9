import Config
import Engine
import Foundation

/// What a retrain needs besides the store: the config's `retraining:` section, where model
/// files go, and the models to start from.
package struct RetrainSettings: Sendable {
    package var retraining: RetrainingConfig
    /// `models.directory`: weights files are written here.
    package var modelsDirectory: String
    /// The shipped (or configured) default latency model for a platform; nil when there is
    /// none.
    package var defaultCheckpoint: @Sendable (_ platform: String) -> URL?
    /// The models a platform without an active version may start from, one chosen by its fit to
    /// its measurements (`PriorChoice`); empty: the default checkpoint.
    package var priorCheckpoints: @Sendable (_ platform: String) -> [URL]
    /// The shape of a model trained from scratch for graphs like `sample`.
    package var scratchConfig: @Sendable (_ sample: TokenGraph) -> ModelConfig
    /// Seed of weight init, sample order and dropout: a retrain is reproducible.
    package var seed: UInt64
    /// What a platform whose measurements are NAS-Bench-201 cells adapts from
    /// (`CellCandidateRecipe`): the shipped cell priors for a config's settings (the
    /// few-shot experiment leaves the learned device out of them). nil: cells are trained
    /// like networks, from the start model or scratch (tests of the retrain mechanics use
    /// cells as cheap data that way).
    package var cellPriors: (@Sendable () throws -> CellPriors)?
    /// The fine-tune's L2-SP strength (`CandidateTraining.Plan`).
    package var startPenalty = CandidateTraining.Plan.defaultStartPenalty

    package init(retraining: RetrainingConfig, modelsDirectory: String,
         defaultCheckpoint: @escaping @Sendable (String) -> URL? = { _ in nil },
         priorCheckpoints: @escaping @Sendable (String) -> [URL] = { _ in [] },
         scratchConfig: @escaping @Sendable (TokenGraph) -> ModelConfig = RetrainSettings.paperShape,
         seed: UInt64 = 20_261_129) {
        self.retraining = retraining
        self.modelsDirectory = modelsDirectory
        self.defaultCheckpoint = defaultCheckpoint
        self.priorCheckpoints = priorCheckpoints
        self.scratchConfig = scratchConfig
        self.seed = seed
    }

    /// The settings of `config`; the start model of a platform without an active version is
    /// the config's default latency model, found as the daemon finds it.
    package init(config: NarformerConfig, locator: DefaultModelLocator = DefaultModelLocator()) {
        let models = config.models
        self.init(retraining: config.retraining, modelsDirectory: models.directory,
                  defaultCheckpoint: { platform in locator.locate(.latency, models: models, platform: platform) },
                  priorCheckpoints: { platform in locator.latencyPriors(models: models, platform: platform) })
        let environment = locator.environment
        cellPriors = { try CellPriors.shipped(environment: environment) }
    }

    /// The paper's latency model for whole networks; for NAS-Bench-201 cells (no static
    /// features, which a latency head needs) the cell model's shape, regressing latency.
    @Sendable package static func paperShape(for sample: TokenGraph) -> ModelConfig {
        sample.staticFeatures.isEmpty ? ModelConfig.paperAccuracy(inDim: sample.tokenDim) : ModelConfig.paperLatency
    }

    /// `<models.directory>/<platform>-v<version>.safetensors`.
    package func weightsURL(platform: String, version: Int) -> URL {
        URL(fileURLWithPath: modelsDirectory).appendingPathComponent("\(platform)-v\(version).safetensors")
    }
}
