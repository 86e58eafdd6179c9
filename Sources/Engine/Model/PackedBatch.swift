/// A batch of graphs packed into one node matrix with a block-diagonal adjacency, so
/// every linear layer is one GEMM over all nodes of the batch and attention runs over
/// the batch's edges. Buffers keep their capacity between batches. The tokens are not
/// kept here: the forward pass copies them once, straight into its arena.
struct PackedBatch {
    /// Both directions of every edge, CSR by source node, global node indices.
    struct Adjacency {
        var rowStart: [Int] = [0]
        var column: [Int32] = []
        /// The source node of each directed edge (the row whose range holds it), so that
        /// a pass over all edges need not walk the rows.
        var source: [Int32] = []
    }

    private(set) var graphCount = 0
    private(set) var nodeCount = 0
    /// Node rows of graph g are offsets[g]..<offsets[g+1].
    private(set) var offsets: [Int] = [0]
    private(set) var statics: [Float] = []
    private(set) var degree: [Float] = []
    private(set) var adjacency = Adjacency()
    var directedEdgeCount: Int { adjacency.column.count }

    /// Packs `graphs` (validated against `config`); the batch's graphs are numbered
    /// from 0 in error messages.
    mutating func pack(_ graphs: [TokenGraph], config: ModelConfig) throws {
        guard !graphs.isEmpty else { throw EngineError.invalidBatch("the batch holds no graphs") }
        var total = 0
        for (g, graph) in graphs.enumerated() {
            guard graph.nodeCount >= 1 else { throw EngineError.invalidBatch("graph \(g) has no nodes") }
            guard graph.tokenDim == config.inDim else {
                throw EngineError.invalidBatch("graph \(g) has tokens of width \(graph.tokenDim), the model reads \(config.inDim)")
            }
            guard graph.tokens.count == graph.nodeCount * graph.tokenDim else {
                throw EngineError.invalidBatch("graph \(g) has \(graph.tokens.count) token values, expected \(graph.nodeCount) x \(graph.tokenDim)")
            }
            if config.kind == .latency, graph.staticFeatures.count != config.staticDim {
                throw EngineError.invalidBatch("graph \(g) has \(graph.staticFeatures.count) static features, the model reads \(config.staticDim)")
            }
            for e in graph.edges where e.a < 0 || Int(e.b) >= graph.nodeCount || e.a >= e.b {
                throw EngineError.invalidBatch("graph \(g) has an edge \(e.a)-\(e.b) outside its \(graph.nodeCount) nodes or not canonical")
            }
            if !Self.allFinite(graph.tokens) || !Self.allFinite(graph.staticFeatures) {
                throw EngineError.invalidBatch("graph \(g) has a token or static value that is not finite")
            }
            total += graph.nodeCount
        }
        graphCount = graphs.count
        nodeCount = total
        offsets.removeAll(keepingCapacity: true)
        statics.removeAll(keepingCapacity: true)
        offsets.append(0)
        for graph in graphs {
            if config.kind == .latency { statics.append(contentsOf: graph.staticFeatures) }
            offsets.append(offsets[offsets.count - 1] + graph.nodeCount)
        }
        buildAdjacency(graphs)
    }

    /// Whether every value is finite: x - x is +0 for a finite x and NaN for an infinite
    /// or NaN one, so sixteen values are checked with a subtraction and an OR (about six
    /// times faster than `allSatisfy(\.isFinite)` on a 190-node graph's tokens).
    private static func allFinite(_ values: [Float]) -> Bool {
        values.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return true }
            var nonZero = SIMD16<Int32>()
            var i = 0
            while i + 16 <= buffer.count {
                let v = SIMD16(base, at: i, half: false)
                nonZero |= unsafeBitCast(v - v, to: SIMD16<Int32>.self)
                i += 16
            }
            guard nonZero == SIMD16() else { return false }
            while i < buffer.count {
                guard base[i].isFinite else { return false }
                i += 1
            }
            return true
        }
    }

    private mutating func buildAdjacency(_ graphs: [TokenGraph]) {
        degree.removeAll(keepingCapacity: true)
        degree.append(contentsOf: repeatElement(0, count: nodeCount))
        for (g, graph) in graphs.enumerated() {
            let base = offsets[g]
            for e in graph.edges {
                degree[base + Int(e.a)] += 1
                degree[base + Int(e.b)] += 1
            }
        }
        adjacency.rowStart.removeAll(keepingCapacity: true)
        adjacency.rowStart.append(0)
        for n in 0..<nodeCount { adjacency.rowStart.append(adjacency.rowStart[n] + Int(degree[n])) }
        adjacency.column.removeAll(keepingCapacity: true)
        adjacency.column.append(contentsOf: repeatElement(0, count: adjacency.rowStart[nodeCount]))
        adjacency.source.removeAll(keepingCapacity: true)
        for n in 0..<nodeCount {
            adjacency.source.append(contentsOf: repeatElement(Int32(n), count: adjacency.rowStart[n + 1] - adjacency.rowStart[n]))
        }
        var fill = Array(adjacency.rowStart.dropLast())
        for (g, graph) in graphs.enumerated() {
            let base = offsets[g]
            for e in graph.edges {
                let a = base + Int(e.a), b = base + Int(e.b)
                adjacency.column[fill[a]] = Int32(b); fill[a] += 1
                adjacency.column[fill[b]] = Int32(a); fill[b] += 1
            }
        }
    }
}
