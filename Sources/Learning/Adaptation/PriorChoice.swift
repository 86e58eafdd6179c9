import Engine
import Foundation
import Store

/// Which shipped model a platform without a model of its own adapts from: the one whose
/// predictions, once one scale is fitted, lie closest to the platform's measurements (the
/// smallest spread of ln(measured / predicted)). What a prior brings is how costs compare
/// between networks (the level is refitted anyway: `NodeCostRateFit`, calibration), and the
/// spread after one scale measures that in ratios. Rank agreement measures it in order only:
/// on a handful of networks from 1 to 100 ms every prior ranks them almost perfectly, so
/// ranks tell the priors apart by noise (on 10 networks of a new machine, rank agreement chose
/// the right one of the two shipped models 83-87% of the time; the spread 99.5-100%).
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

    /// The standard deviation of ln(measured / predicted) over the measurements the model
    /// has tokens for: how far its predictions are from them after the best single scale.
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
        let logRatios = zip(measured, try model.predictValues(graphs)).map { log($0 / Double($1)) }
        let mean = logRatios.reduce(0, +) / Double(logRatios.count)
        return (logRatios.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(logRatios.count)).squareRoot()
    }
}
