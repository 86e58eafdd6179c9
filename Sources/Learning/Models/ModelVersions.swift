import Foundation
import Store

/// Promotion and rollback by hand (`narformer models`), each one store transaction; the
/// daemon's model reconciler picks the change up at its next poll.
package struct ModelVersions {
    package let store: NarformerStore

    package init(store: NarformerStore) {
        self.store = store
    }

    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    /// Makes `version` the active model of `platform` (the active one is retired).
    package func promote(platform: String, version: Int) throws -> ModelRecord {
        guard let record = try store.read({ try $0.model(platform: platform, version: version) }) else {
            throw Failure(description: "\(platform) has no model v\(version) (see 'narformer models list')")
        }
        guard record.state != .active else {
            throw Failure(description: "v\(version) is already the active model of \(platform)")
        }
        do {
            try record.verifyWeights()
        } catch {
            throw Failure(description: "v\(version) cannot be promoted: \(error)")
        }
        try store.write { writer in
            // Its weights may have been removed since they were checked (`RejectedWeights`).
            if let current = try writer.model(platform: platform, version: version), let removed = current.weightsRemoved {
                throw Failure(description: "v\(version) cannot be promoted: "
                              + "\(StoreError.weightsRemoved(file: current.weightsPath, version: version, on: removed))")
            }
            try writer.setModelState(platform: platform, version: version, to: .active)
        }
        return record
    }

    /// Takes the active version out (marked rejected, so a second rollback goes further
    /// back instead of returning to it) and reactivates the most recent retired version;
    /// returns it, or nil when none is left (the platform falls back to the default model).
    package func rollback(platform: String) throws -> (removed: Int, restored: Int?) {
        try store.write { writer in
            let models = try writer.models(platform: platform)
            guard let active = models.first(where: { $0.state == .active }) else {
                throw Failure(description: "\(platform) has no active model to roll back")
            }
            let previous = models.filter { $0.state == .retired && $0.version != active.version }
                .max { $0.version < $1.version }
            if let previous {
                try previous.verifyWeights()
                try writer.setModelState(platform: platform, version: previous.version, to: .active)
            }
            try writer.setModelState(platform: platform, version: active.version, to: .rejected)
            return (active.version, previous?.version)
        }
    }
}
