import Foundation

/// What the novelty reasons read of one network, from its tokens alone (so the retrainer,
/// which keeps only token graphs, and the daemon, which has the whole import, see the
/// same): the op types with a slot in the encoding, the node count and total FLOPs.
public struct NetworkTraits: Sendable, Equatable {
    /// Op types of the encoding's one-hot slots present in the graph.
    public var opTypes: Set<String>
    public var nodeCount: Int
    /// Sum of the per-node FLOPs columns; nil for encodings without them (baseline, cells).
    public var flops: Double?

    /// The traits of `graph` read in `tokens`; cells have no op slots or FLOPs columns.
    public init(_ graph: TokenGraph, tokens: ModelTokens) {
        nodeCount = graph.nodeCount
        opTypes = []
        flops = nil
        guard case .network(let encoding) = tokens, graph.tokenDim == tokens.tokenDim else { return }
        let (offset, names) = Self.opColumns(encoding)
        let width = graph.tokenDim
        var seen = [Bool](repeating: false, count: names.count)
        var total = 0.0
        graph.tokens.withUnsafeBufferPointer { t in
            for node in 0..<graph.nodeCount {
                let row = node * width
                for slot in 0..<names.count where t[row + offset + slot] == 1 { seen[slot] = true; break }
                if encoding != .baseline {
                    total += Foundation.expm1(Double(CostTokenizer.logScale) * Double(t[row + CostTokenizer.flopsColumn]))
                }
            }
        }
        opTypes = Set(names.indices.filter { seen[$0] }.map { names[$0] })
        if encoding != .baseline { flops = total }
    }

    /// Where an encoding's op one-hot starts and the op of each slot.
    package static func opColumns(_ encoding: TokenEncoding) -> (offset: Int, names: [String]) {
        switch encoding {
        case .baseline: return (0, baselineOpNames)
        case .costs: return (CostTokenizer.costColumns, baselineOpNames)
        case .costs2, .costs3: return (CostTokenizer.costColumns, Costs2Tokenizer.opNames)
        }
    }

    /// The baseline encoding's op of each slot, in slot order (made once: every
    /// prediction's novelty reads it).
    private static let baselineOpNames = BaselineTokenizer.opSlots.sorted { $0.value < $1.value }.map(\.key)

    /// The op-mix feature vector of the feature-space novelty method: the share of the
    /// graph's nodes in each op slot, then ln(nodes) and ln(1 + FLOPs) / 10.
    public static func opMixVector(_ graph: TokenGraph, tokens: ModelTokens) -> [Float] {
        opMixVector(graph, tokens: tokens, traits: nil)
    }

    /// `opMixVector` reading the FLOPs from `traits` when given (the graph's traits in the
    /// same tokens), so a prediction's novelty reads the tokens for them once.
    static func opMixVector(_ graph: TokenGraph, tokens: ModelTokens, traits: NetworkTraits?) -> [Float] {
        guard let (_, counts) = opSlotCounts(graph, tokens: tokens) else {
            return [Float(Foundation.log(Double(max(1, graph.nodeCount))))]
        }
        let n = Float(max(1, graph.nodeCount))
        var out = counts.map { Float($0) / n }
        out.append(Float(Foundation.log(Double(n))))
        out.append(Float(Foundation.log1p((traits ?? NetworkTraits(graph, tokens: tokens)).flops ?? 0) / 10))
        return out
    }

    /// The share of the graph's nodes of each op type its encoding has a slot for (types
    /// with no node left out); empty for cells and graphs not in `tokens`. Keyed by op name,
    /// so networks read in different encodings compare where their op types agree.
    public static func opShares(_ graph: TokenGraph, tokens: ModelTokens) -> [String: Double] {
        guard let (names, counts) = opSlotCounts(graph, tokens: tokens) else { return [:] }
        let n = Double(max(1, graph.nodeCount))
        var shares: [String: Double] = [:]
        for (name, count) in zip(names, counts) where count > 0 { shares[name, default: 0] += Double(count) / n }
        return shares
    }

    /// Nodes per op slot of the encoding (a node counts in its first set slot).
    private static func opSlotCounts(_ graph: TokenGraph, tokens: ModelTokens) -> (names: [String], counts: [Int])? {
        guard case .network(let encoding) = tokens, graph.tokenDim == tokens.tokenDim else { return nil }
        let (offset, names) = opColumns(encoding)
        var counts = [Int](repeating: 0, count: names.count)
        let width = graph.tokenDim
        graph.tokens.withUnsafeBufferPointer { t in
            for node in 0..<graph.nodeCount {
                for slot in 0..<names.count where t[node * width + offset + slot] == 1 { counts[slot] += 1; break }
            }
        }
        return (names, counts)
    }
}
