import Config
import Engine
import Foundation
import Inbox
import Learning
import Logging
import Store

/// Everything `narformer serve` runs, built from one config: the store, the model
/// registry and its reconciler, continual learning, the prediction processor, the config
/// reloader, and the three services (inbox pipeline, status file, retrain scheduler) that
/// the executable puts in its service group.
package final class DaemonParts: Sendable {
    /// A problem that stops the daemon from starting, in plain words.
    package struct StartError: Error, CustomStringConvertible {
        package var description: String
    }

    package let config: NarformerConfig
    /// Held for the daemon's life: no second daemon serves the same store.
    package let lock: DaemonLock
    package let store: NarformerStore
    package let registry: ModelRegistry
    package let learning: LearningServices
    package let processor: PredictionProcessor
    package let reloader: ConfigReloader
    /// Watches the inboxes and runs the drop pipeline; talks to systemd.
    package let pipeline: NarformerService
    /// Keeps `<store>/status.json` current.
    package let statusFile: StatusFileService
    /// Retrains, and follows promotions made by other processes.
    package let scheduler: RetrainScheduler

    /// Takes the store's daemon lock, opens the store (creating its folder), creates the
    /// inbox and model folders and loads the models. Throws `StartError` when another daemon
    /// serves the store or the store or a folder cannot be used.
    package init(configFile: String, config: NarformerConfig, levelSwitch: LogLevelSwitch, logger: Logger,
                 blas: BLASKernelReport? = nil, locator: DefaultModelLocator = DefaultModelLocator()) async throws {
        let fileManager = FileManager.default
        for (what, folder) in [("store", config.store.path), ("models directory", config.models.directory)] {
            do {
                try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw StartError(description: "cannot create the \(what) folder \(folder): \(error.localizedDescription)")
            }
        }
        do {
            lock = try DaemonLock(folder: StoreFolder(path: config.store.path))
        } catch {
            throw StartError(description: "\(error)")
        }
        // Inboxes are shared with lab members: created group-writable with the sticky bit
        // (3770), as the drop protocol needs.
        for inbox in config.inboxes {
            do {
                try InboxFolders.createInbox(atPath: inbox.path)
            } catch {
                throw StartError(description: "cannot create the inbox \(inbox.name) folder \(inbox.path): \(error)")
            }
        }
        do {
            store = try NarformerStore(path: config.store.path, mapSize: config.store.mapSize.bytes,
                                       maxReaders: UInt32(config.store.maxReaders))
        } catch {
            throw StartError(description: "cannot open the store at \(config.store.path): \(error)")
        }
        self.config = config
        registry = ModelRegistry()
        learning = LearningServices(config: config, store: store, registry: registry, logger: logger, locator: locator)
        await learning.reconciler.reconcile(platforms: config.platforms.map(\.name), models: config.models, pass: .start)

        let settings = InboxSettingsTable(InboxSettings.table(config))
        processor = PredictionProcessor(store: store, registry: registry, intake: learning, inboxes: settings,
                                        engineBatchSize: config.engine.batchSize, logger: logger)
        reloader = ConfigReloader(file: configFile, config: config, levelSwitch: levelSwitch, inboxSettings: settings,
                                  processor: processor, learning: learning, logger: logger)
        let descriptors = config.inboxes.map(InboxDescriptor.init)
        pipeline = NarformerService(inboxes: descriptors, processor: processor, settings: Self.pipelineSettings(config.limits),
                                    reload: { [reloader] in try await reloader.reload() }, logger: logger)
        statusFile = StatusFileService(storePath: config.store.path, configFile: configFile, inboxes: descriptors,
                                       pipeline: pipeline.pipeline, registry: registry, blas: blas,
                                       logger: logger)
        scheduler = learning.scheduler()
    }

    /// The pipeline's share of `limits:` (read at start). An inbox may go without progress
    /// for as long as one import may take, plus half a minute for what follows it
    /// (prediction, storing, filing).
    package static func pipelineSettings(_ limits: LimitsConfig) -> DropPipeline.Settings {
        DropPipeline.Settings(batchBytes: Int64(limits.batchMemory.bytes), recoveryAttempts: limits.recoveryAttempts,
                              stallLimit: limits.importTime + .seconds(30))
    }
}
