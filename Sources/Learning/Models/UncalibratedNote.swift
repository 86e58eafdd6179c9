import Store

/// The note a latency prediction carries when the model that made it was trained on
/// another platform's measurements: the one wording of result files, measurement result
/// notes, `query`, `export`, `status`, `models list` and the daemon's log.
package enum UncalibratedNote {
    /// How far a platform is on its way to a model of its own, which the note states.
    package enum Stage: Sendable, Equatable {
        /// No measurement of the platform is stored.
        case unmeasured
        /// Measurements are stored, but no version of the platform is active.
        case measured
        /// A version of the platform's own is active (the prediction was made before, or
        /// while it could not be loaded).
        case ownModel
    }

    /// The note for a prediction of `platform` by `modelVersion` of a model trained on
    /// `trainedOn`; nil when it is calibrated: a version of the platform's own (above 0), or
    /// a default model trained on this platform or of unknown origin. `stage` is read only
    /// when the note applies.
    package static func text(platform: String, modelVersion: Int, trainedOn: String,
                             stage: @autoclosure () throws -> Stage) rethrows -> String? {
        guard modelVersion == 0, !trainedOn.isEmpty, trainedOn != platform else { return nil }
        let head = "uncalibrated: predicted with the \(trainedOn) model"
        switch try stage() {
        case .unmeasured: return "\(head); no measurement of \(platform) yet"
        case .measured: return "\(head); \(platform) has measurements but no model trained from them yet"
        case .ownModel: return "\(head), not with \(platform)'s own model"
        }
    }

    /// Where `platform` stands, read in one transaction (two key lookups, no scan).
    package static func stage(of platform: String, in reader: StoreReader) throws -> Stage {
        if try reader.activeModel(platform: platform) != nil { return .ownModel }
        return try reader.hasMeasurements(platform: platform) ? .measured : .unmeasured
    }

    package static func stage(of platform: String, in store: NarformerStore) throws -> Stage {
        try store.read { try stage(of: platform, in: $0) }
    }
}
