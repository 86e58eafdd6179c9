import Foundation
import Store

/// Keeps the registry's models equal to the store's active versions, so a promotion or
/// rollback made by another process (`narformer models promote|rollback`) reaches the
/// daemon at its next poll.
struct ModelActivationSync: Sendable {
    let store: NarformerStore
    let registry: ModelRegistry
    let platforms: [String]
    /// The default model of a platform (version 0), used when no version is active.
    let defaultCheckpoint: @Sendable (String) -> URL?

    /// One pass; returns a line per platform whose model was swapped or could not be.
    func sync() async -> [String] {
        var changes: [String] = []
        for platform in platforms {
            let loaded = await registry.latencyEntry(platform: platform)
            let active: ModelRecord?
            do {
                active = try store.read { try $0.activeModel(platform: platform) }
            } catch {
                changes.append("\(platform): cannot read the store: \(error)")
                continue
            }
            if let active {
                guard loaded?.version != active.version else { continue }
                do {
                    try active.verifyWeights()
                    try await registry.activateLatency(platform: platform, version: active.version,
                                                       checkpoint: URL(fileURLWithPath: active.weightsPath))
                    changes.append("\(platform): now predicting with v\(active.version)")
                } catch {
                    changes.append("\(platform): v\(active.version) is active in the store but cannot be loaded "
                                   + "(\(error)); still predicting with v\(loaded?.version ?? 0)")
                }
            } else if let loaded, loaded.version != 0, let fallback = defaultCheckpoint(platform) {
                do {
                    try await registry.activateLatency(platform: platform, version: 0, checkpoint: fallback)
                    changes.append("\(platform): no version is active; back to the default model")
                } catch {
                    changes.append("\(platform): cannot load the default model: \(error)")
                }
            }
        }
        return changes
    }
}
