import Engine
import Foundation
import Inbox
import Store

/// One network drop on its way through `PredictionProcessor`: its imports (one per batch
/// size), what was predicted, and what went wrong.
package struct NetworkWork {
    /// Position of the drop in the processor's call.
    package var index: Int
    package var drop: ClaimedDrop
    package var settings: InboxSettings
    /// In the order of the inbox's batch sizes; never empty.
    package var imports: [(batchSize: Int, network: ImportedNetwork)]
    package var latency: [(batchSize: Int, prediction: Prediction)] = []
    package var accuracy: Prediction?
    /// The tokens each latency prediction read, kept with it so that a later model of the
    /// platform can predict the network again (`retraining.recompute_predictions`) and
    /// `narformer suggest` can read its op mix; encoded when predicted, stored with the
    /// predictions.
    package var tokens: [TokensRecord] = []
    package var notes: [String] = []
    /// The ops of the network that a model which predicted it has no token for, after the
    /// import folded exporter variants away (an `Identity` is not unreadable: it is gone).
    /// What the result's `unknown_ops` reports: the ops whose cost the prediction cannot see.
    package var unreadableOps: [String: Int] = [:]
    /// Set when the drop goes to `failed/`.
    package var failure: String?
    /// Set when the drop stays in `.work/` and is tried again.
    package var heldReason: String?
    package var heldDelay: Duration = .seconds(1)

    package init(index: Int, drop: ClaimedDrop, settings: InboxSettings,
         imports: [(batchSize: Int, network: ImportedNetwork)]) {
        self.index = index
        self.drop = drop
        self.settings = settings
        self.imports = imports
    }

    /// The import at the inbox's first batch size (shapes and costs for the result).
    package var primary: ImportedNetwork { imports[0].network }
    package var hash: String { primary.contentHash }

    package var isCell: Bool {
        if case .cell = primary.kind { return true }
        return false
    }

    package var allPredictions: [Prediction] {
        latency.map(\.prediction) + (accuracy.map { [$0] } ?? [])
    }

    package func graphRecord() -> GraphRecord {
        GraphRecord(hash: hash, graph: primary.canonicalData(), sourceFileName: drop.originalName.description,
                    firstSeen: drop.claimedAt, nodeCount: primary.graph.nodes.count, kind: isCell ? .cell : .network)
    }

    /// A cell has no ops of its own to name; a network no model predicted names the ops
    /// of its canonical graph that no token encoding has a slot for.
    private var reportedUnknownOps: [String: Int] {
        if isCell { return [:] }
        return latency.isEmpty ? primary.canonicalUnknownOps : unreadableOps
    }

    package func outcome() -> DropOutcome {
        if let failure { return .failed(reason: failure) }
        if let heldReason { return .retryLater(reason: heldReason, delay: heldDelay) }
        var cell: String?
        if case .cell(let arch) = primary.kind { cell = arch }
        let result = DropResult(
            file: drop.originalName.description, inbox: drop.inbox.name, hash: hash, kind: isCell ? "cell" : "network",
            cell: cell, nodes: primary.graph.nodes.count, costBatchSize: imports[0].batchSize,
            flops: primary.totals.flops, params: primary.totals.params, memoryAccess: primary.totals.memoryAccess,
            predictions: latency.map {
                .init(platform: $0.prediction.platform, batchSize: $0.batchSize, latencyMs: $0.prediction.value,
                      modelVersion: $0.prediction.modelVersion, novelty: $0.prediction.novelty,
                      noveltyReason: $0.prediction.noveltyReason)
            },
            accuracy: accuracy.map {
                .init(value: $0.value, modelVersion: $0.modelVersion, novelty: $0.novelty, noveltyReason: $0.noveltyReason)
            },
            unknownOps: reportedUnknownOps, notes: notes)
        return .done(resultJSON: result.json(), hash: hash)
    }
}
