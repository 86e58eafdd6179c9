import Logging
import Synchronization

/// One log level for the whole process that SIGHUP can change: swift-log copies a
/// handler's level into every Logger, so the level lives here and handlers read it.
package final class LogLevelSwitch: Sendable {
    private let level: Mutex<Logger.Level>

    package init(_ level: Logger.Level) { self.level = Mutex(level) }

    package var current: Logger.Level {
        get { level.withLock { $0 } }
        set { level.withLock { $0 = newValue } }
    }
}

/// A `StructuredLogHandler` whose level is the shared switch's, not a copy.
package struct SwitchedLogHandler: LogHandler {
    package var inner: StructuredLogHandler
    package let levelSwitch: LogLevelSwitch

    package var logLevel: Logger.Level {
        get { levelSwitch.current }
        // A Logger's own level change stays local to it: the switch belongs to the reloader.
        set { inner.logLevel = newValue }
    }

    package var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    package var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    package func log(event: LogEvent) {
        inner.log(event: event)
    }

    /// Makes every Logger of the process write structured lines at the switch's level.
    package static func bootstrap(format: StructuredLogHandler.Format, levelSwitch: LogLevelSwitch) {
        LoggingSystem.bootstrap { label in
            SwitchedLogHandler(inner: StructuredLogHandler(label: label, format: format, level: .trace),
                               levelSwitch: levelSwitch)
        }
    }
}
