import Config
import Engine
import Foundation
import Store

/// The uncalibrated note of stored predictions, for the commands that read the store
/// (`query`, `export`, `status`, `models list`): each platform's default model is found as
/// the daemon finds it, and its checkpoint says which platform it was trained on.
/// Read once per platform.
package struct UncalibratedLookup {
    package let store: NarformerStore
    package let models: ModelsConfig
    package let locator: DefaultModelLocator
    private var trainedOn: [String: String] = [:]
    private var stages: [String: UncalibratedNote.Stage] = [:]

    package init(store: NarformerStore, models: ModelsConfig, locator: DefaultModelLocator = DefaultModelLocator()) {
        self.store = store
        self.models = models
        self.locator = locator
    }

    /// The note for a latency prediction of `platform` by `modelVersion`; nil when it is
    /// calibrated or the default model cannot be found. `defaultModel` is the checkpoint the
    /// daemon serves as version 0, when known (its status file says).
    package mutating func note(platform: String, modelVersion: Int, defaultModel: URL? = nil) throws -> String? {
        guard modelVersion == 0 else { return nil }
        let origin: String
        if let known = trainedOn[platform] {
            origin = known
        } else {
            let checkpoint = defaultModel ?? locator.locate(.latency, models: models, platform: platform)
            origin = checkpoint.flatMap { try? Checkpoint.metadata(of: $0).platform } ?? ""
            trainedOn[platform] = origin
        }
        guard !origin.isEmpty, origin != platform else { return nil }
        let stage: UncalibratedNote.Stage
        if let known = stages[platform] {
            stage = known
        } else {
            stage = try UncalibratedNote.stage(of: platform, in: store)
            stages[platform] = stage
        }
        return UncalibratedNote.text(platform: platform, modelVersion: modelVersion, trainedOn: origin, stage: stage)
    }
}
