import Engine
import Foundation
import Learning

/// A lab option for the order networks are measured in on a new machine: the picks that
/// most reduce the uncertainty of the unmeasured networks' predictions under the rate
/// correction the machine's first retrains fit (`RateCorrection`), read from each network's
/// cost mix (`NetworkCostMix`). On the merged product it trailed the coverage that
/// `narformer suggest` ships (`SuggestionPlanner`; docs/continual-learning.md, "Re-measured
/// with everything merged"), so it lives in the lab.
struct RateDesignPlanner {
    var candidates: [SuggestionPlanner.Candidate]
    /// Per candidate (same order), its cost mix; nil when its tokens have no cost columns.
    var costMixes: [NetworkCostMix?]
    var measured: [SuggestionPlanner.Measured]
    /// The cost mixes of the measured networks that have one.
    var measuredMixes: [NetworkCostMix]
    /// Whether each unmeasured network counts by its novelty (`rate-design-novelty`).
    var byNovelty: Bool

    /// Up to `count` picks whose predicted latencies add up to at most `budgetMs` (nil: no
    /// limit), by the rate design when some candidate has a cost mix, else (cells: no rate
    /// correction to teach) by `SuggestionPlanner`'s coverage. A candidate without one among
    /// others with one (its tokens not stored) has no group row: it only tells the common scale.
    func plan(count: Int, budgetMs: Double? = nil) -> [SuggestionPlanner.Pick] {
        guard !candidates.isEmpty, count > 0 else { return [] }
        guard costMixes.contains(where: { $0 != nil }) else {
            return SuggestionPlanner(candidates: candidates, measured: measured).plan(count: count, budgetMs: budgetMs)
        }
        let unknown = NetworkCostMix(total: [0, 0, 0], groups: [:])
        return planByRateDesign(count: count, budgetMs: budgetMs, mixes: costMixes.map { $0 ?? unknown })
    }

    /// Greedy: each pick is the candidate whose measurement most reduces the uncertainty of
    /// the unmeasured networks' predictions after a rate correction, given what is measured
    /// and picked already.
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
    private func planByRateDesign(count: Int, budgetMs: Double?, mixes: [NetworkCostMix]) -> [SuggestionPlanner.Pick] {
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
        var picks: [SuggestionPlanner.Pick] = []
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
            picks.append(SuggestionPlanner.Pick(candidate: candidates[chosen], priority: gain,
                                                standsFor: group == nil ? 0 : unmeasuredIn[column],
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

    /// A rate-design pick's reason: the node group and term its measurement teaches most
    /// about, how much of its time lies there, and how many networks spend time there.
    static func reason(_ c: SuggestionPlanner.Candidate, teaches: (group: String, term: String)?, share: Double,
                       measured: Int, unmeasured: Int) -> String {
        guard let teaches else { return SuggestionPlanner.noveltyReason(c) + "; pins down the platform's overall speed" }
        let group = teaches.group == NetworkCostMix.depthwise ? "depthwise conv" : teaches.group
        return SuggestionPlanner.noveltyReason(c) + String(format: "; teaches %@ %@ speed (%.0f%% of its predicted time); ", group, teaches.term, 100 * share)
            + "\(measured) measured and \(unmeasured) unmeasured networks spend 5% or more there"
    }
}
