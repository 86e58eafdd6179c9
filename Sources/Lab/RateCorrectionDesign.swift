import Engine
import Foundation

/// What measuring a network would teach a new machine's rate correction (`RateCorrection`):
/// the network's row of the correction's design, estimated from its cost mix.
///
/// The correction multiplies every node's compute, memory and overhead term by
/// `exp(shift + termShift[r] + groupShift[r][g] ...)`. Near no change, ln(prediction) moves
/// by `shift + sum_r s_r termShift[r] + sum_{r,g} s_rg groupShift[r][g]`, where `s_rg` is the
/// share of the prediction in term r of group g's nodes: those shares are the row. The
/// serving model's own per-node terms would need a forward pass per stored network (too slow
/// over ten thousand), so a roofline `t ~ a F + b M + c N` fitted to the stored predictions
/// stands in for them: `s_rg ~ coefficient_r x (group g's cost r) / (the network's roofline)`.
struct RateCorrectionDesign {
    /// The node groups with a column, sorted.
    let groups: [String]
    /// The roofline's (a, b, c): what one FLOP, one element moved and one node cost.
    let coefficients: [Double]
    private let groupIndex: [String: Int]

    static let termNames = ["compute", "memory", "overhead"]
    static let terms = termNames.count

    /// One sparse row: the columns a network has a share in.
    typealias Row = [(column: Int, value: Double)]

    /// The design over every group of `mixes`, its roofline fitted to `predicted` (each
    /// network's mix and predicted latency; those without a positive prediction are left out).
    init(mixes: [NetworkCostMix], predicted: [(mix: NetworkCostMix, ms: Double)]) {
        groups = Set(mixes.flatMap(\.groups.keys)).sorted()
        groupIndex = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($1, $0) })
        let fitted = predicted.filter { $0.ms > 0 && $0.ms.isFinite && $0.mix.total.contains { $0 > 0 } }
        let roofline = try? NodeCostReadout.rooflineFit(rows: fitted.map(\.mix.total), targets: fitted.map(\.ms))
        if let roofline, roofline.contains(where: { $0 > 0 }) {
            coefficients = roofline
        } else {
            // No roofline (no predictions, or none it fits): each term counts alike on average.
            coefficients = (0..<Self.terms).map { r in
                let mean = mixes.reduce(0) { $0 + $1.total[r] } / Double(max(mixes.count, 1))
                return mean > 0 ? 1 / mean : 0
            }
        }
    }

    /// Columns: the common scale, the three term shifts, then per group its three term shifts.
    var width: Int { 1 + Self.terms * (1 + groups.count) }

    /// `mix`'s row: 1 for the common scale, then its estimated share of its prediction in
    /// each term, and in each term of each group it has nodes in.
    func row(_ mix: NetworkCostMix) -> Row {
        let weighted = (0..<Self.terms).map { coefficients[$0] * mix.total[$0] }
        let total = weighted.reduce(0, +)
        var out: Row = [(0, 1)]
        guard total > 0 else { return out }
        for r in 0..<Self.terms where weighted[r] > 0 { out.append((1 + r, weighted[r] / total)) }
        for (name, sums) in mix.groups.sorted(by: { $0.key < $1.key }) {
            guard let g = groupIndex[name] else { continue }
            for r in 0..<Self.terms where coefficients[r] * sums[r] > 0 {
                out.append((column(group: g, term: r), coefficients[r] * sums[r] / total))
            }
        }
        return out
    }

    func column(group: Int, term: Int) -> Int { 1 + Self.terms * (1 + group) + term }

    /// What a column's shift is about, in words ("DepthwiseConv compute"); nil for the
    /// common scale and the shifts of every node.
    func groupTerm(ofColumn column: Int) -> (group: String, term: String)? {
        let offset = column - 1 - Self.terms
        guard offset >= 0, offset < Self.terms * groups.count else { return nil }
        return (groups[offset / Self.terms], Self.termNames[offset % Self.terms])
    }
}
