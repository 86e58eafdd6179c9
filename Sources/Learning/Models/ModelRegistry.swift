import Engine
import Foundation

/// The models the daemon predicts with: one active latency model per platform and one
/// accuracy model (NAS-Bench-201 cells).
///
/// An actor because two parties touch it: the drop pipeline predicts with it, and the
/// retraining side hot-swaps a platform's model on promotion. A `NARFormerModel` is used
/// by one thread at a time (it owns its activation arena); the actor serialises that.
/// Models never leave the actor: callers hand in graphs and get numbers back.
package actor ModelRegistry {
    /// Where a loaded model came from, for result files, logs and `narformer status`.
    package struct Entry: Sendable, Equatable {
        /// The store's model version for the platform; 0 is the shipped default model.
        package var version: Int
        package var checkpoint: URL
        /// Token width the model reads (152 for whole networks, 128 for NAS-Bench-201 cells).
        package var inputWidth: Int = 0
        /// The checkpoint's `token_encoding`: which tokens whole networks get for it.
        package var tokenEncoding: String = ""
        /// The platform the model's training labels were measured on (its checkpoint's
        /// `platform`); when it is not the platform it serves, predictions are uncalibrated.
        package var trainedOn: String = ""

        /// The note every prediction of `platform` made with this model carries when the
        /// model was trained on another machine's measurements; nil when it was not.
        /// `stage` is read only when the note applies.
        package func uncalibratedNote(platform: String, stage: @autoclosure () throws -> UncalibratedNote.Stage) rethrows
            -> String? {
            try UncalibratedNote.text(platform: platform, modelVersion: version, trainedOn: trainedOn, stage: stage())
        }

        /// Why this latency model of `platform` cannot read `graph`, or nil when it can: the
        /// one wording of the drops' result notes and the measurement notes.
        package func unreadable(_ graph: TokenGraph, isCell: Bool, platform: String) -> String? {
            guard graph.tokenDim != inputWidth else { return nil }
            return isCell ? "the latency model of \(platform) reads whole networks, not NAS-Bench-201 cells"
                : "the latency model of \(platform) reads \(inputWidth)-wide tokens, this graph has \(graph.tokenDim)-wide ones"
        }

        /// The tokens the model reads; the unsuffixed (baseline or cell) ones for a name no
        /// encoding makes.
        package var tokens: ModelTokens { ModelTokens(storedName: tokenEncoding) ?? .baseline }
    }

    private struct Loaded {
        package var entry: Entry
        package var model: TrainedModel
    }

    private var latency: [String: Loaded] = [:]
    private var accuracy: Loaded?

    package init() {}

    /// Loads `checkpoint` and makes it the latency model of `platform` (a hot swap: the
    /// next prediction uses it; a failed load leaves the old model in place).
    package func activateLatency(platform: String, version: Int, checkpoint: URL) throws {
        let model = try TrainedModel.load(from: checkpoint)
        latency[platform] = Loaded(entry: Entry(version: version, checkpoint: checkpoint, inputWidth: model.model.config.inDim,
                                                tokenEncoding: model.metadata.tokenEncoding, trainedOn: model.metadata.platform),
                                   model: model)
    }

    /// Loads `checkpoint` as the accuracy model.
    package func activateAccuracy(version: Int, checkpoint: URL) throws {
        let model = try TrainedModel.load(from: checkpoint)
        accuracy = Loaded(entry: Entry(version: version, checkpoint: checkpoint, inputWidth: model.model.config.inDim,
                                       tokenEncoding: model.metadata.tokenEncoding),
                          model: model)
    }

    package func latencyEntry(platform: String) -> Entry? { latency[platform]?.entry }
    /// Every platform's active latency model, for status output.
    package var latencyEntries: [String: Entry] { latency.mapValues(\.entry) }
    package var accuracyEntry: Entry? { accuracy?.entry }

    /// What a model answers for a batch of graphs: the version that made the predictions,
    /// one value per graph and, when the model carries a training summary, one novelty per graph.
    package struct Answer: Sendable {
        package var version: Int
        package var values: [Float]
        package var novelty: [Novelty]?
    }

    /// Predicted latencies (ms) of `graphs` on `platform`, as one packed batch, with the
    /// version of the model that made them; nil when the platform has no model.
    package func predictLatency(platform: String, graphs: [TokenGraph]) throws -> Answer? {
        guard let loaded = latency[platform] else { return nil }
        return try Self.answer(loaded, graphs)
    }

    /// Predicted accuracies of cells, with the model version; nil without an accuracy model.
    package func predictAccuracy(graphs: [TokenGraph]) throws -> Answer? {
        guard let loaded = accuracy else { return nil }
        return try Self.answer(loaded, graphs)
    }

    private static func answer(_ loaded: Loaded, _ graphs: [TokenGraph]) throws -> Answer {
        let (values, novelty) = try loaded.model.predictWithNovelty(graphs, batchSize: max(1, graphs.count))
        return Answer(version: loaded.entry.version, values: values.map { Float($0) }, novelty: novelty)
    }
}
