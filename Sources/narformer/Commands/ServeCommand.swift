import ArgumentParser
import Config
import Daemon
import Engine
import Foundation
import Logging
import ServiceLifecycle

/// `narformer serve --config FILE`: the daemon. Builds its parts from the config and runs
/// their services in one group until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: watch the inboxes, predict, store (SIGHUP reloads, SIGTERM stops).")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let loaded = try options.load(checkFileSystem: true)
        // engine.blas_core is known only now; another set than main chose restarts the
        // process here, before the store or any socket is opened.
        let blas: BLASKernelSelection
        do {
            blas = try BLASKernels.activate(configured: BLASCoreSetting(configWord: loaded.engine.blasCore.rawValue) ?? .auto)
        } catch {
            FileHandle.standardError.write(Data("Error: cannot start: \(error)\n".utf8))
            throw ExitCode(70)
        }
        let levelSwitch = LogLevelSwitch(Logger.Level(loaded.logging.level))
        SwitchedLogHandler.bootstrap(format: loaded.logging.format == .json ? .json : .keyValue, levelSwitch: levelSwitch)
        let logger = Logger(label: "narformer")
        BLASThreads.set(loaded.engine.threads)
        let blasReport = BLASKernels.report()
        logger.notice("BLAS kernels", metadata: ["kernels": "\(blasReport.line)"])
        for warning in blas.warnings { logger.warning("\(warning)") }
        let parts: DaemonParts
        do {
            parts = try await DaemonParts(configFile: options.file, config: loaded, levelSwitch: levelSwitch,
                                          logger: logger, blas: blasReport)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw CommandFailure("cannot start: \(error)")
        }
        // Graceful shutdown goes through the list from the end: the pipeline first (it
        // files its last batch), then the status file, then the retrain scheduler.
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: parts.scheduler, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: parts.statusFile, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: parts.pipeline, successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            logger.critical("stopped by an error", metadata: ["error": "\(error)"])
            throw CommandFailure("stopped by an error: \(error)")
        }
    }
}
