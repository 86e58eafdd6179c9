import Engine
import Foundation
import Store

/// Which shipped model a platform without a model of its own adapts from: the one whose
/// predictions, once one scale is fitted, lie closest to the platform's measurements
/// (`SpreadAfterScale`). On 10 networks of a new machine that chose the right one of the two
/// shipped models 99.5-100% of the time, rank agreement 83-87%.
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
        var best: (url: URL, spread: Double)?
        for url in candidates {
            guard let spread = try? spreadAfterScale(of: url, on: used, tokens: tokens), spread.isFinite else { continue }
            if best == nil || spread < best!.spread { best = (url, spread) }
        }
        return best?.url ?? candidates.first
    }

    /// `SpreadAfterScale` of the model's predictions over the measurements it has tokens for.
    static func spreadAfterScale(of url: URL, on measurements: [LatencyMeasurement],
                                 tokens: MeasuredTokenStore) throws -> Double {
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
        return SpreadAfterScale.of(predicted: try model.predictValues(graphs), measured: measured)
    }
}
