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
    /// The network with exporter variants folded (`GraphCanonicalizer`): what the hash and
    /// the `costs2` tokens describe. The same value as `graph` when nothing was folded.
    public var canonicalGraph: NetworkGraph
    /// Costs per node of `canonicalGraph`, and their totals.
    public var canonicalCosts: [NodeCost]
    public var canonicalTotals: NodeCost
    /// What import folded to reach `canonicalGraph` (e.g. "Identity removed": 20), for
    /// `inspect`; empty when the file was already canonical.
    public var folds: [String: Int]
    /// Ops of `canonicalGraph` the `costs2` op table has no slot for, with counts.
    public var canonicalUnknownOps: [String: Int]

    let canonical: Data

    /// The rows a model whose checkpoint names `storedEncoding` reads (see
    /// `TokenEncoding.storedName`); a cell gets its cell tokens, in the cell encoding the
    /// name gives (`CellEncoding.storedName`), else this project's.
    public func tokens(storedEncoding: String) throws -> TokenGraph {
        if case .cell(let arch) = kind, let encoding = CellEncoding(storedName: storedEncoding),
           let cell = try? NB201Cell(arch: arch) {
            return cell.tokenGraph(encoding: encoding)
        }
        guard case .network = kind else { return tokens() }
        guard let encoding = ModelTokens(storedName: storedEncoding) else {
            let known = ModelTokens.networkEncodings.map(\.storedName).joined(separator: ", ")
            throw ImportError(.unsupported, file: name,
                              "the model reads tokens '\(storedEncoding)', which no whole-network encoding makes (known: \(known))")
        }
        return try tokens(for: encoding)
    }

    /// The rows a model reading `encoding` gets; a cell always gets its cell tokens.
    public func tokens(for encoding: ModelTokens) throws -> TokenGraph {
        guard case .network = kind else { return tokens() }
        guard case .network(let networkEncoding) = encoding else {
            throw ImportError(.unsupported, file: name, "the model reads tokens '\(encoding.storedName)', "
                              + "the NAS-Bench-201 cell tokens; a whole network has none")
        }
        return tokens(encoding: networkEncoding)
    }

    /// The stored names of every encoding a model may read this network in (a cell has
    /// one: its cell tokens). What a retrain needs to fine-tune a model of any encoding
    /// on a measured network.
    public var storedEncodings: [ModelTokens] {
        if case .cell = kind { return ModelTokens.storedEncodings(ofCell: true) }
        return ModelTokens.storedEncodings(ofCell: false)
    }

    /// The rows the model reads.
    public func tokens(encoding: TokenEncoding = .baseline) -> TokenGraph {
        switch kind {
        case .network:
            switch encoding {
            case .baseline: return BaselineTokenizer.encode(graph, totals: totals, batchSize: batchSize)
            case .costs: return CostTokenizer.encode(graph, nodeCosts: nodeCosts, totals: totals, batchSize: batchSize)
            case .costs2:
                return Costs2Tokenizer.encode(canonicalGraph, nodeCosts: canonicalCosts, totals: canonicalTotals, batchSize: batchSize,
                                              counts: .asCosts)
            case .costs3:
                return Costs2Tokenizer.encode(canonicalGraph, nodeCosts: canonicalCosts, totals: canonicalTotals, batchSize: batchSize,
                                              counts: .canonical)
            }
        case .cell(let arch):
            // The arch was validated when the cell was imported.
            return (try? NB201Cell(arch: arch))?.tokenGraph()
                ?? TokenGraph(nodeCount: 0, tokenDim: NB201Cell.tokenDim, tokens: [], edges: [], staticFeatures: [])
        }
    }

    /// The canonical form the hash covers: ops, attributes (tensor attributes by shape
    /// only), connectivity and shapes at batch 1 of the canonical graph; no names, no
    /// weight values, no batch.
    public func canonicalData() -> Data { canonical }

    /// `graph`: as the file states it; `canonicalGraph`: folded, same batch;
    /// `hashGraph`: folded, at batch 1.
    init(name: String, graph: NetworkGraph, batchSize: Int, canonicalGraph: NetworkGraph, hashGraph: NetworkGraph,
         folds: [String: Int]) {
        self.name = name
        self.kind = .network
        self.graph = graph
        self.batchSize = batchSize
        self.nodeCosts = graph.nodes.map(CostModel.cost(of:))
        self.totals = CostModel.totals(graph, nodeCosts)
        var unknown: [String: Int] = [:]
        // By index: `for n in` copies every node.
        for k in graph.nodes.indices where !BaselineTokenizer.isKnown(graph.nodes[k].op) { unknown[graph.nodes[k].op, default: 0] += 1 }
        self.unknownOps = unknown
        self.canonicalGraph = canonicalGraph
        if canonicalGraph == graph {
            self.canonicalCosts = nodeCosts
            self.canonicalTotals = totals
        } else {
            self.canonicalCosts = canonicalGraph.nodes.map(CostModel.cost(of:))
            self.canonicalTotals = CostModel.totals(canonicalGraph, canonicalCosts)
        }
        var canonicalUnknown: [String: Int] = [:]
        for k in canonicalGraph.nodes.indices where !Costs2Tokenizer.isKnown(canonicalGraph.nodes[k].op) {
            canonicalUnknown[canonicalGraph.nodes[k].op, default: 0] += 1
        }
        self.canonicalUnknownOps = canonicalUnknown
        self.folds = folds
        self.canonical = CanonicalForm.data(of: hashGraph)
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
        self.canonicalGraph = graph
        self.canonicalCosts = nodeCosts
        self.canonicalTotals = totals
        self.folds = [:]
        self.canonicalUnknownOps = [:]
        self.canonical = Data(("narformer-cell v1\n" + cell.arch).utf8)
        self.contentHash = CanonicalForm.hash(canonical)
    }
}

/// The byte form a network's hash covers. Written byte by byte (no string
/// interpolation): it is built on every import.
enum CanonicalForm {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func hash(_ data: Data) -> String {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: data) {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func data(of graph: NetworkGraph) -> Data {
        var w = Writer()
        w.bytes.reserveCapacity(graph.nodes.count * 96)
        w.text("narformer-graph v2\n")
        // Fields by index: `for node in` copies every node.
        for k in graph.nodes.indices {
            w.text(graph.nodes[k].op)
            w.byte(UInt8(ascii: "|"))
            w.list(graph.nodes[k].predecessors, separator: UInt8(ascii: ","))
            w.byte(UInt8(ascii: "|"))
            w.shapes(graph.nodes[k].outputShapes)
            w.byte(UInt8(ascii: "|"))
            w.shapes(graph.nodes[k].inputShapes)
            // Sorted by name; one attribute needs no sorting.
            let attributes = graph.nodes[k].attributes
            if attributes.count == 1 {
                for (key, value) in attributes { w.attribute(key, value) }
            } else if attributes.count > 1 {
                for key in attributes.keys.sorted() { w.attribute(key, attributes[key] ?? .other) }
            }
            w.byte(UInt8(ascii: "\n"))
        }
        return Data(w.bytes)
    }

    private struct Writer {
        var bytes: [UInt8] = []

        mutating func byte(_ b: UInt8) { bytes.append(b) }
        mutating func text(_ s: String) { bytes.append(contentsOf: s.utf8) }

        /// Decimal digits, as `String(v)` writes them, without making the string.
        mutating func int(_ v: Int) {
            if v < 0 { bytes.append(UInt8(ascii: "-")) }
            var m = v.magnitude
            if m < 10 {
                bytes.append(UInt8(ascii: "0") + UInt8(m))
                return
            }
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: UInt.max has 20 digits
            withUnsafeMutableBytes(of: &digits) { buffer in
                var i = buffer.count
                repeat {
                    i -= 1
                    buffer[i] = UInt8(ascii: "0") + UInt8(m % 10)
                    m /= 10
                } while m > 0
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[i...]))
            }
        }

        mutating func list(_ values: [Int], separator: UInt8) {
            for (k, v) in values.enumerated() {
                if k > 0 { byte(separator) }
                int(v)
            }
        }

        mutating func shapes(_ shapes: [[Int]]) {
            for (k, s) in shapes.enumerated() {
                if k > 0 { byte(UInt8(ascii: ";")) }
                list(s, separator: UInt8(ascii: "x"))
            }
        }

        mutating func attribute(_ key: String, _ v: AttributeValue) {
            byte(UInt8(ascii: "|"))
            text(key)
            byte(UInt8(ascii: "="))
            switch v {
            case .int(let i): byte(UInt8(ascii: "i")); int(i)
            case .ints(let a): byte(UInt8(ascii: "I")); list(a, separator: UInt8(ascii: ","))
            case .float(let f): byte(UInt8(ascii: "f")); int(Int(f.bitPattern))
            case .floats(let a): byte(UInt8(ascii: "F")); list(a.map { Int($0.bitPattern) }, separator: UInt8(ascii: ","))
            case .string(let t): byte(UInt8(ascii: "s")); int(t.utf8.count); byte(UInt8(ascii: ":")); text(t)
            case .tensor(let t): byte(UInt8(ascii: "t")); int(Int(t.dataType)); byte(UInt8(ascii: ":")); list(t.dims, separator: UInt8(ascii: "x"))
            case .other: byte(UInt8(ascii: "?"))
            }
        }
    }
}
