import Engine
import Foundation
import Store

/// After a promotion (with `retraining.recompute_predictions`), predicts again every graph
/// and batch size that has a stored latency prediction on the platform, with the newly
/// active model, and stores the new values under its version (older versions' predictions
/// stay, keyed by their version).
///
/// Only graphs whose tokens are stored (MeasuredTokenStore) can be predicted again; the
/// others are counted and left as they are.
package struct PredictionRecompute {
    package let store: NarformerStore
    package let registry: ModelRegistry
    package let tokens: MeasuredTokenStore

    package struct Summary: Sendable, Equatable {
        package var recomputed = 0
        package var withoutTokens = 0
    }

    package func run(platform: String, now: Date = Date()) async throws -> Summary {
        struct Target: Hashable { var hash: String; var batch: Int }
        // Each target's costs, from any of its predictions that kept them (they are a fact of
        // the graph, not of the model): the new prediction carries them, for `narformer
        // suggest` reads sizes from the latest prediction.
        var withCosts: [Target: Prediction] = [:]
        try store.read { reader in
            for p in try reader.predictions(since: .distantPast) where p.platform == platform && p.kind == .latencyMs {
                let target = Target(hash: p.graphHash, batch: p.batchSize)
                if withCosts[target]?.flops == nil { withCosts[target] = p }
            }
        }
        let targets = withCosts.keys.sorted { ($0.hash, $0.batch) < ($1.hash, $1.batch) }
        var summary = Summary()
        // Tokens in the encoding the now-active model reads.
        let encoding = await registry.latencyEntry(platform: platform)?.tokens ?? .baseline
        var ready: [(Target, TokenGraph)] = []
        for target in targets {
            if let graph = try tokens.tokens(graphHash: target.hash, batchSize: target.batch, encoding: encoding) {
                ready.append((target, graph))
            } else {
                summary.withoutTokens += 1
            }
        }
        var start = 0
        while start < ready.count {
            let chunk = Array(ready[start..<min(start + 64, ready.count)])
            start += chunk.count
            guard let answer = try await registry.predictLatency(platform: platform, graphs: chunk.map(\.1)) else {
                break
            }
            let predictions = chunk.indices.map { i in
                let earlier = withCosts[chunk[i].0]
                return Prediction(graphHash: chunk[i].0.hash, platform: platform, batchSize: chunk[i].0.batch,
                                  modelVersion: answer.version, kind: .latencyMs, value: Double(answer.values[i]), predictedAt: now,
                                  flops: earlier?.flops, params: earlier?.params, memoryAccess: earlier?.memoryAccess,
                                  novelty: answer.novelty?[i].score, noveltyReason: answer.novelty?[i].reason)
            }
            try store.write { try $0.putPredictions(predictions) }
            summary.recomputed += predictions.count
        }
        return summary
    }
}
