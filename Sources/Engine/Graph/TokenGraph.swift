/// One network as the model reads it: the contract between import (which builds it
/// from ONNX, graph JSON or a NAS-Bench-201 cell) and the model (which packs many of
/// them into one batch).
///
/// Rows are stored flat (row-major) so packing a batch is a few `memcpy`s.
public struct TokenGraph: Sendable, Hashable, Codable {
    /// Number of operations (rows of `tokens`).
    public var nodeCount: Int
    /// Width of one token row (152 for the baseline whole-network encoding).
    public var tokenDim: Int
    /// `nodeCount x tokenDim`, row-major.
    public var tokens: [Float]
    /// Undirected edges between node positions, each stored once with `a < b`,
    /// sorted, without duplicates or self loops. The model symmetrises them.
    public var edges: [UndirectedEdge]
    /// The static vector (40 for whole networks: PE of batch, GFLOPs, G-params,
    /// G-memory access); empty for cells.
    public var staticFeatures: [Float]

    public init(nodeCount: Int, tokenDim: Int, tokens: [Float], edges: [UndirectedEdge], staticFeatures: [Float]) {
        precondition(tokens.count == nodeCount * tokenDim, "token matrix is not nodeCount x tokenDim")
        self.nodeCount = nodeCount
        self.tokenDim = tokenDim
        self.tokens = tokens
        self.edges = UndirectedEdge.canonical(edges)
        self.staticFeatures = staticFeatures
    }
}

/// An undirected edge between two node positions of one graph.
public struct UndirectedEdge: Sendable, Hashable, Codable, Comparable {
    public var a: Int32
    public var b: Int32

    public init(_ a: Int, _ b: Int) {
        self.a = Int32(min(a, b))
        self.b = Int32(max(a, b))
    }

    public static func < (l: UndirectedEdge, r: UndirectedEdge) -> Bool {
        (l.a, l.b) < (r.a, r.b)
    }

    /// Orders `a < b`, drops self loops and duplicates (multi-edges), sorts.
    public static func canonical(_ edges: [UndirectedEdge]) -> [UndirectedEdge] {
        var seen = Set<UndirectedEdge>()
        var out: [UndirectedEdge] = []
        out.reserveCapacity(edges.count)
        for e in edges {
            let c = UndirectedEdge(Int(e.a), Int(e.b))
            if c.a == c.b { continue }
            if seen.insert(c).inserted { out.append(c) }
        }
        return out.sorted()
    }
}
