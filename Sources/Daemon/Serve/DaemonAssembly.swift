import Config
import Engine
import Foundation
import Logging
import ServiceLifecycle
import Store

/// Everything `narformer serve` runs, built from one config: the store, the model
/// registry, the prediction processor, the pipeline service, the status file, and
/// whatever the hooks add.
///
/// Hooks for continual learning (issue 7): pass a `Hooks` value to `init`.
/// - `extend`: builds the `MeasurementIntake` for `.yaml`/`.yml` drops (default: fails
///   them with "measurement drops are not enabled in this build") and services run next
///   to the pipeline in the same `ServiceGroup` (the retraining scheduler); those get
///   graceful shutdown on SIGTERM after the pipeline has filed its last batch.
/// - `onReload`: called with the new config after a valid SIGHUP reload was applied.
/// `ServeCommand` wires `LearningServices` through `extend`.
final class DaemonAssembly: Sendable {
    typealias ReloadHook = @Sendable (NarformerConfig) async -> Void

    /// What the hooks get to build their pieces from.
    struct Parts: Sendable {
        var configFile: String
        var config: NarformerConfig
        var store: NarformerStore
        var registry: ModelRegistry
        var logger: Logger
    }

    /// What the hooks add to the daemon: the intake for measurement drops and services
    /// that run next to the pipeline. Built once, from one call, so the two share state.
    struct Extensions: Sendable {
        var intake: any MeasurementIntake = DisabledMeasurementIntake()
        var services: [any Service] = []
    }

    struct Hooks: Sendable {
        var extend: @Sendable (Parts) -> Extensions
        var onReload: ReloadHook

        init(extend: @escaping @Sendable (Parts) -> Extensions = { _ in Extensions() },
             onReload: @escaping ReloadHook = { _ in }) {
            self.extend = extend
            self.onReload = onReload
        }
    }

    /// A problem that stops the daemon from starting, in plain words.
    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    let parts: Parts
    let processor: PredictionProcessor
    let reloader: ConfigReloader
    let service: NarformerService
    private let extraServices: [any Service]
    private let statusService: StatusFileService

    /// Opens the store (creating its folder), creates the inbox and model folders and
    /// loads the models. Throws `StartError` when the store or a folder cannot be used.
    init(configFile: String, config: NarformerConfig, levelSwitch: LogLevelSwitch, logger: Logger,
         hooks: Hooks = Hooks(), locator: DefaultModelLocator = DefaultModelLocator()) async throws {
        let fileManager = FileManager.default
        for (what, folder) in [("store", config.store.path), ("models directory", config.models.directory)]
            + config.inboxes.map({ ("inbox \($0.name)", $0.path) }) {
            do {
                try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw StartError(description: "cannot create the \(what) folder \(folder): \(error.localizedDescription)")
            }
        }
        let store: NarformerStore
        do {
            store = try NarformerStore(path: config.store.path, mapSize: config.store.mapSize.bytes,
                                       maxReaders: UInt32(config.store.maxReaders))
        } catch {
            throw StartError(description: "cannot open the store at \(config.store.path): \(error)")
        }
        let registry = ModelRegistry()
        let loader = ModelLoader(locator: locator, logger: logger)
        await loader.load(into: registry, config: config, store: store)

        parts = Parts(configFile: configFile, config: config, store: store, registry: registry, logger: logger)
        let settings = InboxSettingsTable(InboxSettings.table(config))
        let extensions = hooks.extend(parts)
        processor = PredictionProcessor(store: store, registry: registry, intake: extensions.intake,
                                        inboxes: settings, engineBatchSize: config.engine.batchSize, logger: logger)
        reloader = ConfigReloader(file: configFile, config: config, levelSwitch: levelSwitch, inboxSettings: settings,
                                  processor: processor, registry: registry, store: store, loader: loader,
                                  logger: logger, onReload: hooks.onReload)
        let descriptors = config.inboxes.map(InboxDescriptor.init)
        service = NarformerService(inboxes: descriptors, processor: processor,
                                   reload: { [reloader] in try await reloader.reload() }, logger: logger)
        statusService = StatusFileService(storePath: config.store.path, configFile: configFile, inboxes: descriptors,
                                          pipeline: service.pipeline, registry: registry, logger: logger)
        extraServices = extensions.services
    }

    /// Runs until SIGTERM/SIGINT; returns after the last batch is filed (exit status 0).
    func run() async throws {
        // Graceful shutdown goes through the list from the end: the pipeline first (it
        // finishes and files its batch), then the status file, then the extra services.
        var services = extraServices.map {
            ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .gracefullyShutdownGroup)
        }
        services.append(.init(service: statusService, successTerminationBehavior: .gracefullyShutdownGroup))
        services.append(.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: parts.logger))
        try await group.run()
    }
}
