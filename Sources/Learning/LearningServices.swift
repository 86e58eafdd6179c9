import Config
import Engine
import Foundation
import Inbox
import Logging
import Store
import Synchronization

/// Continual learning as the daemon runs it, built from its config: the measurement
/// intake for `.yaml`/`.yml` drops, the retrainer, and the scheduler service that polls
/// for requests, scheduled retrains and promotions made by other processes.
///
/// A reloaded config is applied with `apply(_:)`: the platform list, the inboxes'
/// measurement timeouts and the `retraining:` section take effect for the next drop and
/// the next poll. A retrain already running finishes with the settings it started with.
package final class LearningServices: MeasurementIntake {
    /// The parts a config decides; replaced as a whole on reload.
    private struct Current: Sendable {
        var intake: MeasurementDropProcessor
        var retrainer: Retrainer
        var platforms: [String]
        var models: ModelsConfig
    }

    package let reconciler: ModelReconciler
    package let control: RetrainControl
    private let store: NarformerStore
    private let registry: ModelRegistry
    private let tokens: MeasuredTokenStore
    private let current: Mutex<Current>
    private let logger: Logger

    package init(config: NarformerConfig, store: NarformerStore, registry: ModelRegistry, logger: Logger,
                 locator: DefaultModelLocator = DefaultModelLocator()) {
        self.store = store
        self.registry = registry
        self.logger = logger
        tokens = MeasuredTokenStore(store: store)
        control = RetrainControl(storePath: config.store.path)
        reconciler = ModelReconciler(store: store, registry: registry, locator: locator, logger: logger)
        current = Mutex(Self.current(config, store: store, registry: registry, tokens: tokens, locator: locator))
    }

    private static func current(_ config: NarformerConfig, store: NarformerStore, registry: ModelRegistry,
                                tokens: MeasuredTokenStore, locator: DefaultModelLocator) -> Current {
        let platforms = config.platforms.map(\.name)
        let intake = MeasurementDropProcessor(
            store: store, platforms: Set(platforms),
            measurementTimeouts: Dictionary(config.inboxes.map { ($0.name, $0.measurementTimeout) },
                                            uniquingKeysWith: { first, _ in first }),
            measurementPlatforms: Dictionary(config.inboxes.map { ($0.name, $0.acceptedMeasurementPlatforms) },
                                             uniquingKeysWith: { first, _ in first }),
            tokens: tokens, limits: config.limits, registry: registry, predictionChunk: config.engine.batchSize)
        let retrainer = Retrainer(store: store, settings: RetrainSettings(config: config, locator: locator),
                                  tokens: tokens, registry: registry)
        return Current(intake: intake, retrainer: retrainer, platforms: platforms, models: config.models)
    }

    /// Applies a reloaded config to learning (the store path and the models folder need a
    /// restart, which the daemon's reloader reports).
    package func apply(_ config: NarformerConfig) {
        let new = Self.current(config, store: store, registry: registry, tokens: tokens, locator: reconciler.locator)
        current.withLock { $0 = new }
    }

    package func process(_ drops: [ClaimedDrop]) async -> [DropOutcome] {
        let intake = current.withLock { $0.intake }
        return await intake.process(drops)
    }

    /// The scheduler service; each poll reads the current config's platforms and settings.
    package func scheduler(pollInterval: Duration = .seconds(1)) -> RetrainScheduler {
        RetrainScheduler(work: { [self] in
            let now = current.withLock { $0 }
            let reconciler = self.reconciler
            return RetrainScheduler.Work(retrainer: now.retrainer, platforms: now.platforms, reconcile: {
                await reconciler.reconcile(platforms: now.platforms, models: now.models, pass: .poll)
            })
        }, control: control, pollInterval: pollInterval, logger: logger, prepare: { [tokens, logger] stop in
            await Self.convertLegacyTokens(tokens, stop: stop, logger: logger)
        })
    }

    /// Moves the token files of an earlier version into the store, on a thread of its own
    /// (a large store's files take a while; drops are predicted meanwhile, and retrains
    /// read the files that are left). Logged; a file that cannot be read stays and is named.
    private static func convertLegacyTokens(_ tokens: MeasuredTokenStore, stop: TrainingStopFlag, logger: Logger) async {
        guard FileManager.default.fileExists(atPath: tokens.legacy.directory.path) else { return }
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let conversion = try await BackgroundThread.run(nice: 0) {
                try tokens.convertLegacyFiles(shouldStop: { stop.isRequested })
            }
            for problem in conversion.unreadable {
                logger.warning("token file of an earlier version left as it is", metadata: ["problem": "\(problem)"])
            }
            logger.notice("token files of an earlier version moved into the store", metadata: [
                "files": .stringConvertible(conversion.converted),
                "seconds": .stringConvertible((clock.now - started).components.seconds),
            ])
        } catch {
            logger.error("cannot move the token files of an earlier version into the store; retrains read them where they are",
                         metadata: ["error": "\(error)"])
        }
    }
}
