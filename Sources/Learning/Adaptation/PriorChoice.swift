import Engine
import Foundation
import Store

/// Which shipped model a platform without a model of its own adapts from: the one whose
/// predictions rank the platform's measured networks most like the measurements (Spearman's
/// rho). Ranks, not errors: the level is refitted anyway (`NodeCostRateFit`, calibration),
/// what a prior brings is the order of costs, i.e. which machine it resembles.
package enum PriorChoice {
    /// The chosen prior among `candidates` (the first on ties, with fewer than 3 measured
    /// networks, or when no candidate can read them); nil only for no candidates.
    /// `include` picks the measurements it may look at (the retrain's training side: the
    /// networks its gate judges on must not choose the model they judge).
    package static func choose(_ candidates: [URL], measurements: [LatencyMeasurement], tokens: MeasuredTokenStore,
                               include: (LatencyMeasurement) -> Bool) -> URL? {
        guard candidates.count > 1 else { return candidates.first }
        let used = measurements.filter(include)
        guard Set(used.map(\.graphHash)).count >= 3 else { return candidates.first }
        var best: (url: URL, rho: Double)?
        for url in candidates {
            guard let rho = try? agreement(of: url, on: used, tokens: tokens), rho.isFinite else { continue }
            if best == nil || rho > best!.rho { best = (url, rho) }
        }
        return best?.url ?? candidates.first
    }

    /// Spearman's rho between the model's predictions and the measurements it has tokens for.
    static func agreement(of url: URL, on measurements: [LatencyMeasurement], tokens: MeasuredTokenStore) throws -> Double {
        let model = try TrainedModel.load(from: url)
        let encoding = (try? Checkpoint.metadata(of: url))?.tokens ?? .baseline
        var graphs: [TokenGraph] = []
        var measured: [Double] = []
        for measurement in measurements {
            guard let graph = try tokens.tokens(graphHash: measurement.graphHash, batchSize: measurement.batchSize,
                                                encoding: encoding),
                  graph.tokenDim == model.model.config.inDim else { continue }
            graphs.append(graph)
            measured.append(measurement.latencyMs)
        }
        guard graphs.count >= 3 else { return .nan }
        return Metrics.spearman(try model.predictValues(graphs), measured)
    }
}
