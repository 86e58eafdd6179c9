import Engine
import Foundation

/// Where a network's cost lies, by node group, read from its tokens alone: the sums of its
/// nodes' FLOPs, elements moved and node count, over the whole network and over the nodes
/// of each op type (and of the depthwise convolutions).
///
/// Why these groups and these sums: another machine changes how fast each kind of node
/// runs, per op type and per term (compute, memory, per-node overhead), and those are the
/// groups and terms a node-cost model's rate correction shifts. A network's cost in each
/// group says how much measuring it tells about that group's rates, without running a model
/// (so ten thousand stored networks are read in a moment).
package struct NetworkCostMix: Sendable, Equatable {
    /// FLOPs, elements moved and nodes of the whole network.
    package var total: [Double]
    /// Per group (op type, or `depthwise`): the same sums over the group's nodes; groups
    /// with no node are left out.
    package var groups: [String: [Double]]

    /// The group of the depthwise convolutions (their nodes are also in their op type's).
    package static let depthwise = "depthwise"

    package init(total: [Double], groups: [String: [Double]]) {
        self.total = total
        self.groups = groups
    }

    /// The mix of `graph` read in `tokens`; nil for encodings without cost columns
    /// (baseline, cells) and graphs not in `tokens`.
    package init?(_ graph: TokenGraph, tokens: ModelTokens) {
        guard case .network(let encoding) = tokens, encoding != .baseline, graph.tokenDim == tokens.tokenDim else { return nil }
        let (offset, names) = NetworkTraits.opColumns(encoding)
        let width = graph.tokenDim, scale = Double(CostTokenizer.logScale)
        var total = [0.0, 0.0, 0.0]
        var bySlot = [[Double]](repeating: [0, 0, 0], count: names.count)
        var depthwise = [0.0, 0.0, 0.0]
        graph.tokens.withUnsafeBufferPointer { t in
            for node in 0..<graph.nodeCount {
                let row = node * width
                // The cost columns hold ln(1 + v) / logScale.
                let cost: [Double] = [Foundation.expm1(scale * Double(t[row + CostTokenizer.flopsColumn])),
                                      Foundation.expm1(scale * Double(t[row + CostTokenizer.memoryColumn])), 1]
                for k in 0..<3 { total[k] += cost[k] }
                if let slot = (0..<names.count).first(where: { t[row + offset + $0] == 1 }) {
                    for k in 0..<3 { bySlot[slot][k] += cost[k] }
                }
                if t[row + CostTokenizer.depthwiseColumn] == 1 { for k in 0..<3 { depthwise[k] += cost[k] } }
            }
        }
        var groups: [String: [Double]] = [:]
        for (name, sums) in zip(names, bySlot) where sums[2] > 0 { groups[name, default: [0, 0, 0]] = sums }
        if depthwise[2] > 0 { groups[Self.depthwise] = depthwise }
        self.init(total: total, groups: groups)
    }
}
