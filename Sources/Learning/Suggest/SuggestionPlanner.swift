import Engine
import Foundation
import Store

/// Which stored networks of a platform to measure next, most useful first.
///
/// Candidates are the networks with a latency prediction for the platform and no
/// measurement on it; `plan` chooses among them by novelty-weighted coverage of sizes and
/// op mixes (`planByCoverage`).
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
        /// The share of its nodes of each op type (`NetworkTraits.opShares`); empty when its
        /// tokens are not stored.
        package var opShares: [String: Double]

        package init(graphHash: String, batchSize: Int, predictedMs: Double, novelty: Double?, noveltyReason: String?,
                     modelVersion: Int, size: [Double], opShares: [String: Double] = [:]) {
            self.opShares = opShares
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
        /// How much the pick reduced what `plan` minimises: the novelty-weighted distance of
        /// the unmeasured networks to their nearest measured or picked network.
        package var priority: Double
        /// About how many unmeasured networks the pick stands for: those that have it as their
        /// nearest measured network.
        package var standsFor: Int
        package var reason: String

        package init(candidate: Candidate, priority: Double, standsFor: Int, reason: String) {
            self.candidate = candidate
            self.priority = priority
            self.standsFor = standsFor
            self.reason = reason
        }
    }

    /// A network already measured on the platform: where the picks need not go.
    package struct Measured: Sendable {
        package var size: [Double]
        package var opShares: [String: Double]

        package init(size: [Double], opShares: [String: Double] = [:]) {
            self.size = size
            self.opShares = opShares
        }
    }

    package var candidates: [Candidate]
    package var measured: [Measured]

    /// The networks of a platform a plan reads, each by the stamp of the latency prediction it
    /// is planned with: every unmeasured network (a candidate) by its latest prediction at its
    /// smallest batch size, every measured one by its latest.
    package struct Networks {
        package var candidates: [PredictionStamp]
        package var measured: [PredictionStamp]
    }

    /// The candidates and measured networks of `platform`, from the predictions' keys alone
    /// (no prediction decoded; the measurements of the platform are).
    package static func networks(_ reader: StoreReader, platform: String) throws -> Networks {
        var measuredHashes: Set<String> = []
        for m in try reader.measurements(platform: platform) { measuredHashes.insert(m.graphHash) }
        var latest: [String: PredictionStamp] = [:]
        var measured: [String: PredictionStamp] = [:]
        for p in try reader.predictionStamps(platform: platform, kind: .latencyMs) {
            if measuredHashes.contains(p.graphHash) {
                measured[p.graphHash] = p
                continue
            }
            if let old = latest[p.graphHash],
               (old.batchSize, -old.predictedAtMilliseconds) < (p.batchSize, -p.predictedAtMilliseconds) {
                continue
            }
            latest[p.graphHash] = p
        }
        return Networks(candidates: latest.values.sorted { $0.graphHash < $1.graphHash },
                        measured: measured.values.sorted { $0.graphHash < $1.graphHash })
    }

    /// How many networks of `platform` wait to be measured (`networks`' candidates) and how
    /// many of them are novel (`isNovel`, read from each one's planned prediction alone).
    package static func waiting(store: NarformerStore, platform: String) throws -> (waiting: Int, novel: Int) {
        try store.read { reader in
            let candidates = try networks(reader, platform: platform).candidates
            let novel = try candidates.filter { isNovel(try reader.prediction($0)?.novelty) }.count
            return (candidates.count, novel)
        }
    }

    /// Candidates and measured networks of `platform` from the store (`networks`), with op
    /// mixes from the tokens stored with the predictions and measurements.
    package static func load(store: NarformerStore, platform: String) throws -> SuggestionPlanner {
        let tokens = MeasuredTokenStore(store: store)
        return try store.read { reader in
            let networks = try networks(reader, platform: platform)
            let latest = try networks.candidates.compactMap { try reader.prediction($0) }
            let measuredPredictions = try networks.measured.compactMap { try reader.prediction($0) }
            // A record that cannot be read costs its network the op mix, not the suggestion.
            func opShares(_ p: Prediction) -> [String: Double] {
                guard let found = try? tokens.anyNetworkTokens(reader, graphHash: p.graphHash, batchSize: p.batchSize) else {
                    return [:]
                }
                return NetworkTraits.opShares(found.graph, tokens: found.encoding)
            }
            let candidates = latest.map { p in
                Candidate(graphHash: p.graphHash, batchSize: p.batchSize, predictedMs: p.value, novelty: p.novelty,
                          noveltyReason: p.noveltyReason, modelVersion: p.modelVersion, size: size(p), opShares: opShares(p))
            }
            let measured = measuredPredictions.map { p in
                Measured(size: size(p), opShares: opShares(p))
            }
            return SuggestionPlanner(candidates: candidates, measured: measured)
        }
    }

    static func size(_ p: Prediction) -> [Double] {
        size(flops: p.flops, params: p.params, memoryAccess: p.memoryAccess)
    }

    /// The size coordinates the picks are spread over.
    package static func size(flops: Double?, params: Double?, memoryAccess: Double?) -> [Double] {
        [flops, params, memoryAccess].map { Foundation.log(max(1, $0 ?? 1)) }
    }

    package init(candidates: [Candidate], measured: [Measured]) {
        self.candidates = candidates
        self.measured = measured
    }

    /// Each network's coordinates in the space the picks spread over: its sizes, then its
    /// share of nodes of each op type any of them has (sorted by name; 0 where it has none).
    private func coordinates() -> (candidates: [[Double]], measured: [[Double]]) {
        let names = Set(candidates.flatMap(\.opShares.keys) + measured.flatMap(\.opShares.keys)).sorted()
        func row(_ size: [Double], _ shares: [String: Double]) -> [Double] { size + names.map { shares[$0] ?? 0 } }
        return (candidates.map { row($0.size, $0.opShares) }, measured.map { row($0.size, $0.opShares) })
    }

    /// Up to `count` picks whose predicted latencies add up to at most `budgetMs` (nil: no
    /// limit), in the order they should be measured.
    package func plan(count: Int, budgetMs: Double? = nil) -> [Pick] {
        guard !candidates.isEmpty, count > 0 else { return [] }
        return planByCoverage(count: count, budgetMs: budgetMs)
    }

    /// The coverage choice, a greedy facility-location choice: every unmeasured network should have a measured
    /// or picked network of similar size and op mix near it (a new platform's first lessons
    /// are its speed per op type, so the picks should span the op mixes), and counts by its
    /// novelty (what the model
    /// knows least counts most). Each pick is the candidate that most reduces the
    /// novelty-weighted distance from the networks (a stride sample of at most `demandCap`)
    /// to their nearest measured or picked network. Picks thus stand for many networks
    /// (representative, not outliers) and spread out (a second pick near the first gains
    /// little). Lazy evaluation: a candidate's gain only shrinks as picks join, so its last
    /// gain bounds its next one.
    private func planByCoverage(count: Int, budgetMs: Double?) -> [Pick] {
        let (rows, measuredRows) = coordinates()
        let scale = Self.spread(rows + measuredRows)
        let width = scale.count
        var points = [Double](repeating: 0, count: candidates.count * width)
        for (i, row) in rows.enumerated() { for j in 0..<width { points[i * width + j] = row[j] / scale[j] } }
        let step = max(1, candidates.count / Self.demandCap)
        let demand = Array(Swift.stride(from: 0, to: candidates.count, by: step))
        let weight = demand.map { candidates[$0].novelty ?? 1 }
        func distance(_ a: Int, _ b: Int) -> Double {
            var sum = 0.0
            for j in 0..<width { let d = points[a * width + j] - points[b * width + j]; sum += d * d }
            return sum.squareRoot()
        }
        // Before any measurement a network is "covered" at the pool's reach: the farthest any
        // network lies from the pool's centre, twice.
        var centre = [Double](repeating: 0, count: width)
        for i in candidates.indices { for j in 0..<width { centre[j] += points[i * width + j] / Double(candidates.count) } }
        let reach = 2 * max(1e-9, candidates.indices.map { i in
            (0..<width).reduce(0.0) { $0 + pow(points[i * width + $1] - centre[$1], 2) }.squareRoot()
        }.max() ?? 1)
        let measured = measuredRows.map { row in (0..<width).map { row[$0] / scale[$0] } }
        var covered = demand.map { k -> Double in
            let nearest = measured.map { m in (0..<width).reduce(0.0) { $0 + pow(points[k * width + $1] - m[$1], 2) }.squareRoot() }.min()
            return min(reach, nearest ?? reach)
        }
        func gain(_ i: Int) -> Double {
            var total = 0.0
            for (position, k) in demand.enumerated() {
                let d = distance(i, k)
                if d < covered[position] { total += weight[position] * (covered[position] - d) }
            }
            return total
        }
        var bound = candidates.indices.map(gain)
        var taken = [Bool](repeating: false, count: candidates.count)
        var spent = 0.0
        var picks: [Pick] = []
        while picks.count < count {
            var best: Int?
            for i in candidates.indices where !taken[i] {
                if let budgetMs, spent + candidates[i].predictedMs > budgetMs { continue }
                if let b = best, bound[i] < bound[b] || (bound[i] == bound[b] && candidates[i].graphHash >= candidates[b].graphHash) {
                    continue
                }
                best = i
            }
            guard let chosen = best else { break }
            let fresh = gain(chosen)
            bound[chosen] = fresh
            // Taken only when its fresh gain still beats every other candidate's bound.
            let beaten = candidates.indices.contains { i in
                !taken[i] && i != chosen && bound[i] > fresh
                    && (budgetMs.map { spent + candidates[i].predictedMs <= $0 } ?? true)
            }
            if beaten { continue }
            taken[chosen] = true
            spent += candidates[chosen].predictedMs
            var standsFor = 0
            for (position, k) in demand.enumerated() {
                let d = distance(chosen, k)
                if d < covered[position] { covered[position] = d; standsFor += 1 }
            }
            picks.append(Pick(candidate: candidates[chosen], priority: fresh, standsFor: standsFor * step,
                              reason: Self.reason(candidates[chosen], standsFor: standsFor * step)))
        }
        return picks
    }

    /// Networks the coverage is measured over (a stride sample of the candidates beyond it).
    static let demandCap = 1000

    /// How many candidates a model would call novel (`isNovel`).
    package var novelCount: Int { candidates.filter { Self.isNovel($0.novelty) }.count }

    /// Whether a prediction's novelty makes its network novel: at or above `Novelty.high`.
    static func isNovel(_ novelty: Double?) -> Bool { (novelty ?? 0) >= Novelty.high }

    static func reason(_ c: Candidate, standsFor: Int) -> String {
        let unmeasured = standsFor == 1 ? "1 unmeasured one" : "about \(standsFor) unmeasured ones"
        return noveltyReason(c) + "; the nearest measured network in size and op mix for \(unmeasured)"
    }

    /// A pick's novelty, with its reason, as the start of the pick's reason.
    package static func noveltyReason(_ c: Candidate) -> String {
        guard let novelty = c.novelty else { return "no novelty (its model has no training summary)" }
        return String(format: "novelty %.2f", novelty) + (c.noveltyReason.map { " (\($0))" } ?? "")
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

}
