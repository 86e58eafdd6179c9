import Config
import Foundation
import Learning
import Logging
import Store
import Synchronization

/// SIGHUP: re-reads the config file. An invalid file throws (the service logs it and the
/// old config stays in force). A valid one is applied where that is possible while
/// running (log level, per-inbox batch sizes and cell accuracy, engine batch size, the
/// platforms, measurement timeouts and `retraining:` of continual learning, models:
/// defaults and the store's active versions are loaded again); what needs a restart (the
/// inbox set, how inboxes are watched, the store, log format, engine threads) is logged as such.
package final class ConfigReloader: Sendable {
    /// A config that cannot be used; its description names the file and every problem.
    package struct Refused: Error, CustomStringConvertible {
        package var description: String
    }

    package let file: String
    private let current: Mutex<NarformerConfig>
    private let levelSwitch: LogLevelSwitch
    private let inboxSettings: InboxSettingsTable
    private let processor: PredictionProcessor
    private let learning: LearningServices
    private let logger: Logger

    package init(file: String, config: NarformerConfig, levelSwitch: LogLevelSwitch, inboxSettings: InboxSettingsTable,
                 processor: PredictionProcessor, learning: LearningServices, logger: Logger) {
        self.file = file
        self.current = Mutex(config)
        self.levelSwitch = levelSwitch
        self.inboxSettings = inboxSettings
        self.processor = processor
        self.learning = learning
        self.logger = logger
    }

    package var config: NarformerConfig { current.withLock { $0 } }

    package func reload() async throws {
        let new: NarformerConfig
        do {
            new = try NarformerConfig.load(contentsOf: file)
        } catch {
            throw Refused(description: error.description)
        }
        let old = config
        levelSwitch.current = Logger.Level(new.logging.level)
        processor.engineBatchSize = new.engine.batchSize
        // Settings of the inboxes being watched; an inbox added by the new file waits for a restart.
        let watched = Set(old.inboxes.map(\.name))
        inboxSettings.replace(with: InboxSettings.table(new).filter { watched.contains($0.key) })
        learning.apply(new)
        await learning.reconciler.reconcile(platforms: new.platforms.map(\.name), models: new.models, pass: .reload)
        current.withLock { $0 = new }

        var needRestart: [String] = []
        func identity(_ inbox: InboxConfig) -> String {
            "\(inbox.name)\u{0}\(inbox.path)\u{0}\(inbox.accept)\u{0}\(inbox.watch)\u{0}\(inbox.rescanInterval)\u{0}\(inbox.pollInterval)"
        }
        if old.inboxes.map(identity) != new.inboxes.map(identity) {
            needRestart.append("inboxes (names, paths, accept, watch, rescan_interval, poll_interval)")
        }
        if old.store != new.store { needRestart.append("store") }
        if old.logging.format != new.logging.format { needRestart.append("logging.format") }
        if old.engine.threads != new.engine.threads { needRestart.append("engine.threads") }
        // Read by the pipeline at start; import_time also sets how long an inbox may go
        // without progress before the watchdog stops (a reload changes only the imports).
        if old.limits.batchMemory != new.limits.batchMemory || old.limits.recoveryAttempts != new.limits.recoveryAttempts
            || old.limits.importTime != new.limits.importTime {
            needRestart.append("limits (batch_memory, recovery_attempts, import_time for the watchdog)")
        }
        if !needRestart.isEmpty {
            logger.warning("some changes take effect only after a restart", metadata: [
                "keys": "\(needRestart.joined(separator: "; "))"])
        }
    }
}

extension Logger.Level {
    package init(_ level: LogLevel) {
        self = Logger.Level(rawValue: level.rawValue) ?? .info
    }
}
