import Config
import Foundation
import Store

/// What the learning commands open from a config file: the store (read-write), where
/// tokens and control files live, and the retrain settings.
struct LearningContext {
    let config: NarformerConfig
    let store: NarformerStore
    let tokens: MeasuredTokenStore
    let control: RetrainControl

    /// The default config path, as in docs/config.md.
    static let defaultConfigPath = "/etc/narformer/narformer.yaml"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `readOnly` for commands that only look (a reader never blocks the daemon's writes).
    init(configPath: String, readOnly: Bool = false) throws {
        do {
            config = try NarformerConfig.load(contentsOf: configPath)
        } catch {
            throw Failure(description: error.description)
        }
        do {
            store = try NarformerStore(path: config.store.path, mapSize: config.store.mapSize.bytes, readOnly: readOnly,
                                       maxReaders: UInt32(config.store.maxReaders))
        } catch {
            throw Failure(description: "cannot open the store \(config.store.path): \(error)")
        }
        tokens = MeasuredTokenStore(storePath: config.store.path)
        control = RetrainControl(storePath: config.store.path)
    }

    func requirePlatform(_ name: String) throws {
        guard config.platform(named: name) != nil else {
            throw Failure(description: "platform '\(name)' is not in the config (known: "
                          + config.platforms.map(\.name).joined(separator: ", ") + ")")
        }
    }

    /// The retrain settings of this config. The default model is found as the daemon finds
    /// it: the config's `models.default_latency`, else the shipped default.
    func retrainSettings() -> RetrainSettings {
        let defaultLatency = DefaultModelLocator().locate(.latency, models: config.models)
        return RetrainSettings(retraining: config.retraining, modelsDirectory: config.models.directory,
                               defaultCheckpoint: { _ in defaultLatency })
    }
}
