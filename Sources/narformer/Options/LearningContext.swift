import Config
import Foundation
import Learning
import Store

/// What the learning commands (`retrain`, `models`, `import`) open from the daemon's
/// config: the store, the measured-token store, the retrain control files and the
/// retrain settings. Failures are `CommandFailure`s in plain words.
struct LearningContext {
    let config: NarformerConfig
    let store: NarformerStore
    let tokens: MeasuredTokenStore
    let control: RetrainControl

    /// `readOnly` for commands that only look (a reader never blocks the daemon's writes).
    init(_ option: ConfigOption, readOnly: Bool = false) throws {
        config = try option.load()
        do {
            store = try NarformerStore(path: config.store.path, mapSize: config.store.mapSize.bytes, readOnly: readOnly,
                                       maxReaders: UInt32(config.store.maxReaders))
        } catch {
            throw CommandFailure("cannot open the store \(config.store.path): \(error)")
        }
        tokens = MeasuredTokenStore(store: store)
        control = RetrainControl(storePath: config.store.path)
    }

    func requirePlatform(_ name: String) throws {
        guard config.platform(named: name) != nil else {
            throw CommandFailure("platform '\(name)' is not in the config (known: "
                                 + config.platforms.map(\.name).joined(separator: ", ") + ")")
        }
    }

    /// The retrain settings of this config, with the default model found as the daemon finds it.
    func retrainSettings() -> RetrainSettings {
        RetrainSettings(config: config)
    }
}
