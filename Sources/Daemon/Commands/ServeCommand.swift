import ArgumentParser
import Config
import Engine
import Foundation
import Logging

/// `narformer serve --config FILE`: the daemon.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: watch the inboxes, predict, store (SIGHUP reloads, SIGTERM stops).")

    @Option(name: .shortAndLong, help: "The YAML configuration file.")
    var config: String = ReaderOptions.defaultConfigFile

    func run() async throws {
        let loaded: NarformerConfig
        do {
            loaded = try NarformerConfig.load(contentsOf: config)
        } catch {
            Self.printError("cannot start: the configuration is not usable:\n\(error.description)")
            throw ExitCode(1)
        }
        let levelSwitch = LogLevelSwitch(Logger.Level(loaded.logging.level))
        SwitchedLogHandler.bootstrap(format: loaded.logging.format == .json ? .json : .keyValue, levelSwitch: levelSwitch)
        let logger = Logger(label: "narformer")
        BLASThreads.set(loaded.engine.threads)
        let assembly: DaemonAssembly
        do {
            assembly = try await DaemonAssembly(
                configFile: URL(fileURLWithPath: config).standardizedFileURL.path, config: loaded,
                levelSwitch: levelSwitch, logger: logger, hooks: Self.learningHooks())
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            Self.printError("cannot start: \(error)")
            throw ExitCode(1)
        }
        do {
            try await assembly.run()
        } catch {
            logger.critical("stopped by an error", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }

    /// Continual learning (measurement drops, the retrain scheduler), built once from the
    /// daemon's parts; its default checkpoint is the shipped latency model, found the
    /// same way the daemon finds it at start.
    static func learningHooks(locator: DefaultModelLocator = DefaultModelLocator()) -> DaemonAssembly.Hooks {
        DaemonAssembly.Hooks(extend: { parts in
            let models = parts.config.models
            let learning = LearningServices(config: parts.config, store: parts.store, registry: parts.registry,
                                            logger: parts.logger,
                                            defaultCheckpoint: { _ in locator.locate(.latency, models: models) })
            return DaemonAssembly.Extensions(intake: learning.intake, services: [learning.scheduler])
        })
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("narformer: \(message)\n".utf8))
    }
}
