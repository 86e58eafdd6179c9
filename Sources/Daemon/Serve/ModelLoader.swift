import Config
import Foundation
import Logging
import Store

/// Fills a `ModelRegistry` at start and on reload: per platform the store's active
/// version (weights checked against their SHA-256), else the default latency model;
/// plus the default accuracy model. A platform left without a model is reported, and
/// drops for it fail with that reason; the daemon itself keeps running.
struct ModelLoader: Sendable {
    var locator: DefaultModelLocator
    var logger: Logger

    /// Loads every platform's model; returns one plain-words line per platform that has none.
    @discardableResult
    func load(into registry: ModelRegistry, config: NarformerConfig, store: NarformerStore) async -> [String] {
        var missing: [String] = []
        let defaultLatency = locator.locate(.latency, models: config.models)
        for platform in config.platforms.map(\.name) {
            if await loadActive(platform: platform, into: registry, store: store) { continue }
            guard let url = defaultLatency else {
                let line = "no latency model for platform \(platform): the store has no active model for it and no default "
                    + "latency model was found (looked at: "
                    + locator.candidates(.latency, models: config.models).joined(separator: ", ") + ")"
                logger.error("\(line)")
                missing.append(line)
                continue
            }
            do {
                try await registry.activateLatency(platform: platform, version: 0, checkpoint: url)
                logger.notice("latency model loaded", metadata: [
                    "platform": "\(platform)", "version": "0", "file": "\(url.path)"])
            } catch {
                let line = "no latency model for platform \(platform): the default model \(url.path) cannot be loaded: \(error)"
                logger.error("\(line)")
                missing.append(line)
            }
        }
        if let url = locator.locate(.accuracy, models: config.models) {
            do {
                try await registry.activateAccuracy(version: 0, checkpoint: url)
                logger.notice("accuracy model loaded", metadata: ["version": "0", "file": "\(url.path)"])
            } catch {
                logger.error("the accuracy model cannot be loaded; cells get no accuracy", metadata: [
                    "file": "\(url.path)", "error": "\(error)"])
            }
        } else {
            logger.warning("no accuracy model found; cells get no accuracy", metadata: [
                "looked_at": "\(locator.candidates(.accuracy, models: config.models).joined(separator: ", "))"])
        }
        return missing
    }

    /// The store's active version of `platform`, if there is one and its weights are intact.
    private func loadActive(platform: String, into registry: ModelRegistry, store: NarformerStore) async -> Bool {
        let record: ModelRecord?
        do {
            record = try store.read { try $0.activeModel(platform: platform) }
        } catch {
            logger.error("cannot read the active model from the store", metadata: [
                "platform": "\(platform)", "error": "\(error)"])
            return false
        }
        guard let record else { return false }
        do {
            try record.verifyWeights()
            try await registry.activateLatency(platform: platform, version: record.version,
                                               checkpoint: URL(fileURLWithPath: record.weightsPath))
            logger.notice("latency model loaded", metadata: [
                "platform": "\(platform)", "version": "\(record.version)", "file": "\(record.weightsPath)"])
            return true
        } catch {
            logger.error("the active model cannot be used; falling back to the default model", metadata: [
                "platform": "\(platform)", "version": "\(record.version)", "error": "\(error)"])
            return false
        }
    }
}
