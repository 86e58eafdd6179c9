import Crypto
import Foundation

/// A network (or NAS-Bench-201 cell) after import: its IR, costs, hash and tokens.
public struct ImportedNetwork: Sendable {
    public enum Kind: Sendable, Hashable {
        case network
        /// A NAS-Bench-201 cell, with its arch string.
        case cell(String)
    }

    public var name: String
    public var kind: Kind
    /// The IR (for a cell: its 8 nodes, ops named as in the arch string).
    public var graph: NetworkGraph
    /// The batch the shapes and costs were computed for.
    public var batchSize: Int
    /// Costs per node, in `graph.nodes` order (zero for cells).
    public var nodeCosts: [NodeCost]
    public var totals: NodeCost
    /// Hex SHA-256 of `canonicalData()`.
    public var contentHash: String
    /// Ops the baseline encoding has no slot for (their one-hot is all zero), with counts.
    public var unknownOps: [String: Int]

    let canonical: Data

    /// The rows the model reads.
    public func tokens(encoding: TokenEncoding = .baseline) -> TokenGraph {
        switch kind {
        case .network:
            return BaselineTokenizer.encode(graph, totals: totals, batchSize: batchSize)
        case .cell(let arch):
            // The arch was validated when the cell was imported.
            return (try? NB201Cell(arch: arch))?.tokenGraph()
                ?? TokenGraph(nodeCount: 0, tokenDim: NB201Cell.tokenDim, tokens: [], edges: [], staticFeatures: [])
        }
    }

    /// The canonical form the hash covers: ops, attributes (tensor attributes by shape
    /// only), connectivity and shapes at batch 1; no names, no weight values, no batch.
    public func canonicalData() -> Data { canonical }

    init(name: String, graph: NetworkGraph, batchSize: Int, canonicalGraph: NetworkGraph) {
        self.name = name
        self.kind = .network
        self.graph = graph
        self.batchSize = batchSize
        self.nodeCosts = graph.nodes.map(CostModel.cost(of:))
        self.totals = CostModel.totals(graph, nodeCosts)
        var unknown: [String: Int] = [:]
        for n in graph.nodes where !BaselineTokenizer.isKnown(n.op) { unknown[n.op, default: 0] += 1 }
        self.unknownOps = unknown
        self.canonical = CanonicalForm.data(of: canonicalGraph)
        self.contentHash = CanonicalForm.hash(canonical)
    }

    init(cell: NB201Cell) {
        self.name = cell.arch
        self.kind = .cell(cell.arch)
        self.graph = cell.networkGraph
        self.batchSize = 1
        self.nodeCosts = Array(repeating: NodeCost(), count: graph.nodes.count)
        self.totals = NodeCost()
        self.unknownOps = [:]
        self.canonical = Data(("narformer-cell v1\n" + cell.arch).utf8)
        self.contentHash = CanonicalForm.hash(canonical)
    }
}

/// The byte form a network's hash covers.
enum CanonicalForm {
    static func hash(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    static func data(of graph: NetworkGraph) -> Data {
        var s = "narformer-graph v1\n"
        for node in graph.nodes {
            s += node.op
            s += "|" + node.predecessors.map(String.init).joined(separator: ",")
            s += "|" + node.outputShapes.map { $0.map(String.init).joined(separator: "x") }.joined(separator: ";")
            s += "|" + node.inputShapes.map { $0.map(String.init).joined(separator: "x") }.joined(separator: ";")
            for key in node.attributes.keys.sorted() {
                s += "|" + key + "=" + describe(node.attributes[key] ?? .other)
            }
            s += "\n"
        }
        return Data(s.utf8)
    }

    private static func describe(_ v: AttributeValue) -> String {
        switch v {
        case .int(let i): return "i\(i)"
        case .ints(let a): return "I" + a.map(String.init).joined(separator: ",")
        case .float(let f): return "f\(f.bitPattern)"
        case .floats(let a): return "F" + a.map { String($0.bitPattern) }.joined(separator: ",")
        case .string(let t): return "s" + t.debugDescription
        case .tensor(let t): return "t\(t.dataType):" + t.dims.map(String.init).joined(separator: "x")
        case .other: return "?"
        }
    }
}
