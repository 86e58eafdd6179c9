import Config
import Foundation
import Logging
import Store

/// Everything the daemon needs for learning, built from its config: the measurement
/// intake for `.yaml` drops and the retrain scheduler service.
///
/// The lead wires it in `serve`:
/// ```swift
/// let learning = LearningServices(config: config, store: store, registry: registry, logger: logger,
///                                 defaultCheckpoint: { platform in /* shipped default model URL */ })
/// // DropProcessor: hand .yaml/.yml drops to learning.intake.process(_:)
/// // ServiceGroup: add learning.scheduler next to NarformerService
/// ```
struct LearningServices: Sendable {
    let intake: MeasurementDropProcessor
    let scheduler: RetrainScheduler
    let retrainer: Retrainer

    init(config: NarformerConfig, store: NarformerStore, registry: ModelRegistry, logger: Logger,
         defaultCheckpoint: @escaping @Sendable (String) -> URL?) {
        let tokens = MeasuredTokenStore(storePath: config.store.path)
        let platforms = config.platforms.map(\.name)
        intake = MeasurementDropProcessor(
            store: store, platforms: Set(platforms),
            measurementTimeouts: Dictionary(config.inboxes.map { ($0.name, $0.measurementTimeout) },
                                            uniquingKeysWith: { first, _ in first }),
            tokens: tokens)
        let configured = config.models.defaultLatency.map { URL(fileURLWithPath: $0) }
        let settings = RetrainSettings(retraining: config.retraining, modelsDirectory: config.models.directory,
                                       defaultCheckpoint: { configured ?? defaultCheckpoint($0) })
        retrainer = Retrainer(store: store, settings: settings, tokens: tokens, registry: registry)
        scheduler = RetrainScheduler(
            retrainer: retrainer, platforms: platforms, control: RetrainControl(storePath: config.store.path),
            sync: ModelActivationSync(store: store, registry: registry, platforms: platforms,
                                      defaultCheckpoint: { configured ?? defaultCheckpoint($0) }),
            logger: logger)
    }
}
