import Engine
import Foundation
import Store

/// Which stored networks of a platform to measure next, most useful first.
///
/// Candidates are the networks with a latency prediction for the platform and no
/// measurement on it. Each pick maximises `novelty x gap`: the prediction's novelty
/// (how far the network lies from what the serving model was trained on; 1 when the model
/// has no summary) times its distance, in standardised ln FLOPs, ln params and ln memory
/// access, to the nearest network already measured or already picked (1 when there are
/// none yet). So the first picks are the networks the model knows least, and each later
/// pick is pushed away from sizes that are covered: a greedy, novelty-weighted k-center
/// choice, which spreads the measurements over the sizes and kinds the platform has.
package struct SuggestionPlanner {
    package struct Candidate: Sendable {
        package var graphHash: String
        package var batchSize: Int
        package var predictedMs: Double
        package var novelty: Double?
        package var noveltyReason: String?
        package var modelVersion: Int
        /// ln FLOPs, ln params, ln memory access (0 when unknown).
        package var size: [Double]

        package init(graphHash: String, batchSize: Int, predictedMs: Double, novelty: Double?, noveltyReason: String?,
                     modelVersion: Int, size: [Double]) {
            self.graphHash = graphHash
            self.batchSize = batchSize
            self.predictedMs = predictedMs
            self.novelty = novelty
            self.noveltyReason = noveltyReason
            self.modelVersion = modelVersion
            self.size = size
        }
    }

    package struct Pick: Sendable {
        package var candidate: Candidate
        /// `novelty x gap` when picked.
        package var priority: Double
        /// Distance to the nearest measured or earlier-picked network, in training-set sds.
        package var gap: Double
        package var reason: String
    }

    package var candidates: [Candidate]
    /// Sizes of the networks already measured on the platform.
    package var measuredSizes: [[Double]]

    /// Candidates and measured sizes of `platform` from the store: every graph's latest
    /// latency prediction for the platform (its smallest batch size), less the measured ones.
    package static func load(store: NarformerStore, platform: String) throws -> SuggestionPlanner {
        var measured: Set<String> = []
        try store.read { reader in
            for m in try reader.measurements(platform: platform) { measured.insert(m.graphHash) }
        }
        var latest: [String: Prediction] = [:]
        var measuredSizes: [String: [Double]] = [:]
        try PredictionPager(store: store, since: .distantPast, pageSize: 4096).forEach { p in
            guard p.platform == platform, p.kind == .latencyMs else { return }
            if measured.contains(p.graphHash) {
                measuredSizes[p.graphHash] = size(p)
                return
            }
            if let old = latest[p.graphHash],
               (old.batchSize, -old.predictedAt.timeIntervalSince1970) < (p.batchSize, -p.predictedAt.timeIntervalSince1970) {
                return
            }
            latest[p.graphHash] = p
        }
        let candidates = latest.values.sorted { $0.graphHash < $1.graphHash }.map { p in
            Candidate(graphHash: p.graphHash, batchSize: p.batchSize, predictedMs: p.value, novelty: p.novelty,
                      noveltyReason: p.noveltyReason, modelVersion: p.modelVersion, size: size(p))
        }
        return SuggestionPlanner(candidates: candidates, measuredSizes: Array(measuredSizes.values))
    }

    static func size(_ p: Prediction) -> [Double] {
        size(flops: p.flops, params: p.params, memoryAccess: p.memoryAccess)
    }

    /// The size coordinates the picks are spread over.
    package static func size(flops: Double?, params: Double?, memoryAccess: Double?) -> [Double] {
        [flops, params, memoryAccess].map { Foundation.log(max(1, $0 ?? 1)) }
    }

    package init(candidates: [Candidate], measuredSizes: [[Double]]) {
        self.candidates = candidates
        self.measuredSizes = measuredSizes
    }

    /// Up to `count` picks whose predicted latencies add up to at most `budgetMs` (nil: no
    /// limit), in the order they should be measured.
    package func plan(count: Int, budgetMs: Double? = nil) -> [Pick] {
        guard !candidates.isEmpty, count > 0 else { return [] }
        let scale = Self.spread(candidates.map(\.size) + measuredSizes)
        func standardized(_ v: [Double]) -> [Double] { zip(v, scale).map { $0 / $1 } }
        let points = candidates.map { standardized($0.size) }
        let measured = measuredSizes.map(standardized)
        // Distance of every candidate to the nearest measured network, then shrunk as picks join.
        var nearest = points.map { p in measured.isEmpty ? Double.infinity : measured.map { Self.distance(p, $0) }.min()! }
        var taken = [Bool](repeating: false, count: candidates.count)
        var spent = 0.0
        var picks: [Pick] = []
        while picks.count < count {
            var best: (index: Int, priority: Double, gap: Double)?
            for i in candidates.indices where !taken[i] {
                if let budgetMs, spent + candidates[i].predictedMs > budgetMs { continue }
                let gap = nearest[i].isFinite ? nearest[i] : 1
                let priority = (candidates[i].novelty ?? 1) * gap
                if best == nil || priority > best!.priority
                    || (priority == best!.priority && candidates[i].graphHash < candidates[best!.index].graphHash) {
                    best = (i, priority, gap)
                }
            }
            guard let chosen = best else { break }
            taken[chosen.index] = true
            spent += candidates[chosen.index].predictedMs
            picks.append(Pick(candidate: candidates[chosen.index], priority: chosen.priority, gap: chosen.gap,
                              reason: Self.reason(candidates[chosen.index], gap: chosen.gap, first: nearest[chosen.index].isInfinite)))
            let p = points[chosen.index]
            for i in candidates.indices where !taken[i] { nearest[i] = min(nearest[i], Self.distance(points[i], p)) }
        }
        return picks
    }

    /// How many candidates a model would call novel (novelty at or above `Novelty.high`).
    package var novelCount: Int { candidates.filter { ($0.novelty ?? 0) >= Novelty.high }.count }

    static func reason(_ c: Candidate, gap: Double, first: Bool) -> String {
        var parts: [String] = []
        if let novelty = c.novelty {
            parts.append(String(format: "novelty %.2f", novelty) + (c.noveltyReason.map { " (\($0))" } ?? ""))
        } else {
            parts.append("no novelty (its model has no training summary)")
        }
        parts.append(first ? "first of its platform to be measured"
                     : String(format: "%.2f sd of size from the nearest measured or earlier pick", gap))
        return parts.joined(separator: "; ")
    }

    /// Per dimension, the standard deviation (1 when constant).
    static func spread(_ rows: [[Double]]) -> [Double] {
        guard let width = rows.first?.count else { return [] }
        return (0..<width).map { j in
            let values = rows.map { $0[j] }
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
            return sd > 1e-9 ? sd : 1
        }
    }

    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for j in a.indices { sum += (a[j] - b[j]) * (a[j] - b[j]) }
        return sum.squareRoot()
    }
}
