import Engine
import Foundation
import Store

/// Which stored networks of a platform to measure next, most useful first.
///
/// Candidates are the networks with a latency prediction for the platform and no
/// measurement on it; `plan` chooses among them by `Method`: novelty-weighted coverage of
/// sizes and op mixes (what `narformer suggest` does, `Method.shipped`), or, as lab options,
/// by what their measurements would teach the rate correction a new machine's first
/// retrains fit (networks without cost tokens, such as cells, are then covered).
package struct SuggestionPlanner {
    /// How `plan` chooses.
    package enum Method: String, Sendable, CaseIterable {
        /// The picks that most reduce the novelty-weighted uncertainty of the unmeasured
        /// networks' predictions under a new machine's rate correction (`planByRateDesign`);
        /// coverage when a candidate has no cost mix (a lab option).
        case rateDesignByNovelty = "rate-design-novelty"
        /// The same, every unmeasured network counting alike (a lab option).
        case rateDesign = "rate-design"
        /// Novelty-weighted coverage of sizes and op mixes (`planByCoverage`), for every
        /// candidate. What `narformer suggest` does (`shipped`).
        case coverage

        /// The method `narformer suggest` and the lab's suggested order use unless told
        /// otherwise. Coverage: with the two-space novelty it led every random order by 28-32%
        /// after 10-30 measurements on a new machine, the rate design by 2-17%
        /// (docs/continual-learning.md, "Re-measured with everything merged").
        package static let shipped = Method.coverage
    }

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
        /// Where its cost lies by node group (`NetworkCostMix`); nil when its tokens are not
        /// stored or have no cost columns.
        package var costMix: NetworkCostMix?

        package init(graphHash: String, batchSize: Int, predictedMs: Double, novelty: Double?, noveltyReason: String?,
                     modelVersion: Int, size: [Double], opShares: [String: Double] = [:], costMix: NetworkCostMix? = nil) {
            self.opShares = opShares
            self.costMix = costMix
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
        /// How much the pick reduced what `plan` minimises: the novelty-weighted uncertainty
        /// of the unmeasured networks' predictions (rate design), or their distance to the
        /// nearest measured or picked network (coverage).
        package var priority: Double
        /// About how many unmeasured networks the pick stands for: those that spend 5% or more
        /// of their predicted time in the node group and term it teaches most about (rate
        /// design), or that have it as their nearest measured network (coverage).
        package var standsFor: Int
        package var reason: String
    }

    /// A network already measured on the platform: where the picks need not go.
    package struct Measured: Sendable {
        package var size: [Double]
        package var opShares: [String: Double]
        package var costMix: NetworkCostMix?

        package init(size: [Double], opShares: [String: Double] = [:], costMix: NetworkCostMix? = nil) {
            self.size = size
            self.opShares = opShares
            self.costMix = costMix
        }
    }

    package var candidates: [Candidate]
    package var measured: [Measured]
    package var method: Method

    /// Candidates and measured networks of `platform` from the store, for planning by
    /// `method`: every graph's latest latency prediction for the platform (its smallest batch
    /// size), less the measured ones; op mixes from the tokens stored with the predictions and
    /// measurements (not read with `opMixes` false: for counting candidates), and cost mixes
    /// only for the rate design (coverage never reads them, and they are most of the reading).
    package static func load(store: NarformerStore, platform: String, method: Method = .shipped,
                             opMixes: Bool = true) throws -> SuggestionPlanner {
        var measuredHashes: Set<String> = []
        try store.read { reader in
            for m in try reader.measurements(platform: platform) { measuredHashes.insert(m.graphHash) }
        }
        var latest: [String: Prediction] = [:]
        var measuredPredictions: [String: Prediction] = [:]
        try PredictionPager(store: store, since: .distantPast, pageSize: 4096).forEach { p in
            guard p.platform == platform, p.kind == .latencyMs else { return }
            if measuredHashes.contains(p.graphHash) {
                measuredPredictions[p.graphHash] = p
                return
            }
            if let old = latest[p.graphHash],
               (old.batchSize, -old.predictedAt.timeIntervalSince1970) < (p.batchSize, -p.predictedAt.timeIntervalSince1970) {
                return
            }
            latest[p.graphHash] = p
        }
        let tokens = MeasuredTokenStore(store: store)
        return try store.read { reader in
            // A record that cannot be read costs its network the op mix, not the suggestion.
            func mixes(_ p: Prediction) -> (opShares: [String: Double], costMix: NetworkCostMix?) {
                guard opMixes, let found = try? tokens.anyNetworkTokens(reader, graphHash: p.graphHash, batchSize: p.batchSize) else {
                    return ([:], nil)
                }
                return (NetworkTraits.opShares(found.graph, tokens: found.encoding),
                        method == .coverage ? nil : NetworkCostMix(found.graph, tokens: found.encoding))
            }
            let candidates = latest.values.sorted { $0.graphHash < $1.graphHash }.map { p in
                let read = mixes(p)
                return Candidate(graphHash: p.graphHash, batchSize: p.batchSize, predictedMs: p.value, novelty: p.novelty,
                                 noveltyReason: p.noveltyReason, modelVersion: p.modelVersion, size: size(p),
                                 opShares: read.opShares, costMix: read.costMix)
            }
            let measured = measuredPredictions.values.sorted { $0.graphHash < $1.graphHash }.map { p in
                let read = mixes(p)
                return Measured(size: size(p), opShares: read.opShares, costMix: read.costMix)
            }
            return SuggestionPlanner(candidates: candidates, measured: measured, method: method)
        }
    }

    static func size(_ p: Prediction) -> [Double] {
        size(flops: p.flops, params: p.params, memoryAccess: p.memoryAccess)
    }

    /// The size coordinates the picks are spread over.
    package static func size(flops: Double?, params: Double?, memoryAccess: Double?) -> [Double] {
        [flops, params, memoryAccess].map { Foundation.log(max(1, $0 ?? 1)) }
    }

    package init(candidates: [Candidate], measured: [Measured], method: Method = .shipped) {
        self.candidates = candidates
        self.measured = measured
        self.method = method
    }

    /// Each network's coordinates in the space the picks spread over: its sizes, then its
    /// share of nodes of each op type any of them has (sorted by name; 0 where it has none).
    private func coordinates() -> (candidates: [[Double]], measured: [[Double]]) {
        let names = Set(candidates.flatMap(\.opShares.keys) + measured.flatMap(\.opShares.keys)).sorted()
        func row(_ size: [Double], _ shares: [String: Double]) -> [Double] { size + names.map { shares[$0] ?? 0 } }
        return (candidates.map { row($0.size, $0.opShares) }, measured.map { row($0.size, $0.opShares) })
    }

    /// Up to `count` picks whose predicted latencies add up to at most `budgetMs` (nil: no
    /// limit), in the order they should be measured, by `method`: the rate design when some
    /// candidate has a cost mix, else (cells: no rate correction to teach) coverage. A
    /// candidate without one among others with one (its tokens not stored: a network of
    /// more than 50,000 nodes) has no group row: it only tells the common scale.
    package func plan(count: Int, budgetMs: Double? = nil) -> [Pick] {
        guard !candidates.isEmpty, count > 0 else { return [] }
        if method != .coverage, candidates.contains(where: { $0.costMix != nil }) {
            let unknown = NetworkCostMix(total: [0, 0, 0], groups: [:])
            return planByRateDesign(count: count, budgetMs: budgetMs, mixes: candidates.map { $0.costMix ?? unknown },
                                    byNovelty: method == .rateDesignByNovelty)
        }
        return planByCoverage(count: count, budgetMs: budgetMs)
    }

    /// The rate-design choice (`Method.rateDesign`): greedy, each pick the candidate whose
    /// measurement most reduces the uncertainty of the unmeasured networks' predictions
    /// after a rate correction, given what is measured and picked already.
    ///
    /// The correction's shifts get a Gaussian prior (the ridge penalty `shiftPrior`, the
    /// common scale almost free); each measured or picked network adds its design row
    /// (`RateCorrectionDesign`) to the precision `A`. A network's posterior variance of
    /// ln(prediction) is `x' A^-1 x`; the pool's total (with `byNovelty`, each weighted by its
    /// novelty) is `trace(M A^-1)` with `M` the (weighted) sum of the unmeasured networks'
    /// `x x'`. Measuring candidate `x` lowers it by
    /// `x' A^-1 M A^-1 x / (1 + x' A^-1 x)`: large where the candidate's groups are both
    /// uncertain and shared by many unmeasured networks, so picks go to groups no one
    /// measured yet, not to outliers, and a second network like the first gains little.
    private func planByRateDesign(count: Int, budgetMs: Double?, mixes: [NetworkCostMix], byNovelty: Bool) -> [Pick] {
        let measuredMixes = measured.compactMap(\.costMix)
        let design = RateCorrectionDesign(mixes: mixes + measuredMixes,
                                          predicted: zip(mixes, candidates).map { ($0, $1.predictedMs) })
        let d = design.width
        let rows = mixes.map(design.row)
        let weight = candidates.map { byNovelty ? max($0.novelty ?? 1, 0) : 1 }
        // A^-1: the prior's, then each measured network's row added (Sherman-Morrison).
        var inverse = [Double](repeating: 0, count: d * d)
        for k in 0..<d { inverse[k * d + k] = 1 / (k == 0 ? Self.scalePrior : Self.shiftPrior) }
        var v = [Double](repeating: 0, count: d)
        func solve(_ x: RateCorrectionDesign.Row) -> Double {
            // v = A^-1 x; returns x' v.
            for a in 0..<d {
                var sum = 0.0
                for (column, value) in x { sum += inverse[a * d + column] * value }
                v[a] = sum
            }
            return x.reduce(0) { $0 + $1.value * v[$1.column] }
        }
        func addToInverse(_ q: Double) {
            let c = 1 + q
            for a in 0..<d where v[a] != 0 { for b in 0..<d { inverse[a * d + b] -= v[a] * v[b] / c } }
        }
        for row in measuredMixes.map(design.row) { addToInverse(solve(row)) }
        // M: the unmeasured networks' weighted x x'.
        var pool = [Double](repeating: 0, count: d * d)
        for (row, w) in zip(rows, weight) where w > 0 {
            for (a, x) in row { for (b, y) in row { pool[a * d + b] += w * x * y } }
        }
        // B = A^-1 M A^-1.
        var poolInverse = [Double](repeating: 0, count: d * d)
        for a in 0..<d { for k in 0..<d where pool[a * d + k] != 0 { for b in 0..<d { poolInverse[a * d + b] += pool[a * d + k] * inverse[k * d + b] } } }
        var product = [Double](repeating: 0, count: d * d)
        for a in 0..<d { for k in 0..<d where inverse[a * d + k] != 0 { for b in 0..<d { product[a * d + b] += inverse[a * d + k] * poolInverse[k * d + b] } } }
        // The rows again as flat arrays, for the scan over every candidate at every pick.
        var start = [0], columns: [Int] = [], values: [Double] = []
        for row in rows {
            for (column, value) in row { columns.append(column); values.append(value) }
            start.append(columns.count)
        }
        /// x' A^-1 x and x' B x of candidate `i` (both matrices symmetric: each pair once).
        func quadratics(_ i: Int) -> (inverse: Double, product: Double) {
            columns.withUnsafeBufferPointer { c in
                values.withUnsafeBufferPointer { x in
                    inverse.withUnsafeBufferPointer { a in
                        product.withUnsafeBufferPointer { b in
                            var q = 0.0, p = 0.0
                            for k in start[i]..<start[i + 1] {
                                let row = c[k] * d
                                var qk = 0.5 * a[row + c[k]] * x[k], pk = 0.5 * b[row + c[k]] * x[k]
                                for l in (k + 1)..<start[i + 1] {
                                    qk += a[row + c[l]] * x[l]
                                    pk += b[row + c[l]] * x[l]
                                }
                                q += x[k] * qk
                                p += x[k] * pk
                            }
                            return (2 * q, 2 * p)
                        }
                    }
                }
            }
        }
        // Per column, the networks measured or picked that spend 5% or more of their predicted time there.
        var measuredIn = [Int](repeating: 0, count: d)
        for row in measuredMixes.map(design.row) { for (column, value) in row where value >= Self.notableShare { measuredIn[column] += 1 } }
        var unmeasuredIn = [Int](repeating: 0, count: d)
        for row in rows { for (column, value) in row where value >= Self.notableShare { unmeasuredIn[column] += 1 } }

        var taken = [Bool](repeating: false, count: candidates.count)
        var spent = 0.0
        var picks: [Pick] = []
        while picks.count < count {
            var best: (index: Int, gain: Double)?
            for i in candidates.indices where !taken[i] {
                if let budgetMs, spent + candidates[i].predictedMs > budgetMs { continue }
                let (q, p) = quadratics(i)
                let gain = p / (1 + q)
                if let b = best, gain < b.gain || (gain == b.gain && candidates[i].graphHash >= candidates[b.index].graphHash) { continue }
                best = (i, gain)
            }
            guard let (chosen, gain) = best else { break }
            taken[chosen] = true
            spent += candidates[chosen].predictedMs
            let x = rows[chosen]
            let q = solve(x), c = 1 + q
            // The column this measurement teaches most about (its share of x' A^-1 x), for the reason.
            let taught = x.filter { design.groupTerm(ofColumn: $0.column) != nil }.max { $0.value * v[$0.column] < $1.value * v[$1.column] }
            // B' = B - (v u' + u v') / c + (v'Mv - w) / c^2 v v', with u = A^-1 M v; then A^-1 and M.
            var mv = [Double](repeating: 0, count: d)
            for a in 0..<d { var sum = 0.0; for k in 0..<d where v[k] != 0 { sum += pool[a * d + k] * v[k] }; mv[a] = sum }
            var u = [Double](repeating: 0, count: d)
            for a in 0..<d { var sum = 0.0; for k in 0..<d where mv[k] != 0 { sum += inverse[a * d + k] * mv[k] }; u[a] = sum }
            let vmv = zip(v, mv).reduce(0) { $0 + $1.0 * $1.1 }
            let w = weight[chosen]
            for a in 0..<d {
                for b in 0..<d {
                    product[a * d + b] += -(v[a] * u[b] + u[a] * v[b]) / c + (vmv - w) / (c * c) * v[a] * v[b]
                }
            }
            addToInverse(q)
            for (a, xa) in x { for (b, xb) in x { pool[a * d + b] -= w * xa * xb } }
            for (column, value) in x where value >= Self.notableShare { unmeasuredIn[column] -= 1 }
            let group = taught.flatMap { design.groupTerm(ofColumn: $0.column) }
            let column = taught?.column ?? 0
            picks.append(Pick(candidate: candidates[chosen], priority: gain, standsFor: group == nil ? 0 : unmeasuredIn[column],
                              reason: Self.reason(candidates[chosen], teaches: group, share: taught?.value ?? 0,
                                                  measured: measuredIn[column], unmeasured: unmeasuredIn[column])))
            for (column, value) in x where value >= Self.notableShare { measuredIn[column] += 1 }
        }
        return picks
    }

    /// The ridge penalty of the shifts in the design's prior (in units of the label noise):
    /// what the rate correction's evidence chooses on a new machine's first 10-30 networks
    /// (0.03-0.1 on the OpenVINO list).
    static let shiftPrior = 0.1
    /// The common scale's prior precision: nearly free, as in the correction (where it is not
    /// shrunk at all), yet finite so that no measurement is needed to start.
    static let scalePrior = 0.001
    /// A network "spends time" in a group's term when its share there is at least this.
    static let notableShare = 0.05

    /// The coverage choice (`Method.coverage`), a greedy facility-location choice: every unmeasured network should have a measured
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

    /// How many candidates a model would call novel (novelty at or above `Novelty.high`).
    package var novelCount: Int { candidates.filter { ($0.novelty ?? 0) >= Novelty.high }.count }

    static func reason(_ c: Candidate, standsFor: Int) -> String {
        noveltyReason(c) + "; the nearest measured network in size and op mix for about \(standsFor) unmeasured ones"
    }

    /// A rate-design pick's reason: the node group and term its measurement teaches most
    /// about, how much of its time lies there, and how many networks spend time there.
    static func reason(_ c: Candidate, teaches: (group: String, term: String)?, share: Double,
                       measured: Int, unmeasured: Int) -> String {
        guard let teaches else { return noveltyReason(c) + "; pins down the platform's overall speed" }
        let group = teaches.group == NetworkCostMix.depthwise ? "depthwise conv" : teaches.group
        return noveltyReason(c) + String(format: "; teaches %@ %@ speed (%.0f%% of its predicted time); ", group, teaches.term, 100 * share)
            + "\(measured) measured and \(unmeasured) unmeasured networks spend 5% or more there"
    }

    static func noveltyReason(_ c: Candidate) -> String {
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
