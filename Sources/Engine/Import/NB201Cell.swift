import Foundation

/// A NAS-Bench-201 cell as the paper tokenises it: 8 nodes (input, the 6 edge operations in
/// arch-string order, output) on a fixed DAG.
///
/// Token (128 = 64 + 64): 32 sinusoid pairs of the op code, then 32 of the node's
/// position in the row order (`CellEncoding`: this project's `trans` by default, the
/// authors' `nerf` on request). A reordering moves rows and re-encodes positions.
public struct NB201Cell: Sendable, Hashable {
    public static let operations = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
    public static let tokenDim = 128
    /// The fixed DAG (from, to) over nodes 0...7.
    public static let dagEdges: [(Int, Int)] = [(0, 1), (0, 2), (0, 4), (1, 3), (1, 5), (2, 6), (3, 6), (4, 7), (5, 7), (6, 7)]
    /// The input index each of the 6 arch-string entries must name (`op~k`).
    static let expectedSources = [0, 0, 1, 0, 1, 2]

    public let arch: String
    /// The 6 edge operations, as indices into `operations`.
    public let edgeOps: [Int]

    public struct ArchError: Error, CustomStringConvertible, Sendable {
        public var arch: String
        public var message: String
        public var description: String { "NAS-Bench-201 arch '\(arch)': \(message)" }
    }

    public init(arch: String) throws {
        let trimmed = arch.trimmingCharacters(in: .whitespacesAndNewlines)
        self.arch = trimmed
        let stages = trimmed.split(separator: "+", omittingEmptySubsequences: false)
        guard stages.count == 3 else {
            throw ArchError(arch: trimmed, message: "expected 3 stages separated by '+', found \(stages.count)")
        }
        var ops: [Int] = []
        for (s, stage) in stages.enumerated() {
            guard stage.hasPrefix("|"), stage.hasSuffix("|"), stage.count >= 2 else {
                throw ArchError(arch: trimmed, message: "stage \(s + 1) must start and end with '|'")
            }
            let entries = stage.dropFirst().dropLast().split(separator: "|", omittingEmptySubsequences: false)
            guard entries.count == s + 1 else {
                throw ArchError(arch: trimmed, message: "stage \(s + 1) must have \(s + 1) operations, has \(entries.count)")
            }
            for entry in entries {
                let parts = entry.split(separator: "~", omittingEmptySubsequences: false)
                guard parts.count == 2, let source = Int(parts[1]) else {
                    throw ArchError(arch: trimmed, message: "'\(entry)' is not of the form op~index")
                }
                guard let op = Self.operations.firstIndex(of: String(parts[0])) else {
                    throw ArchError(arch: trimmed, message: "unknown operation '\(parts[0])' (known: \(Self.operations.joined(separator: ", ")))")
                }
                guard source == Self.expectedSources[ops.count] else {
                    throw ArchError(arch: trimmed, message: "'\(entry)' must read node \(Self.expectedSources[ops.count])")
                }
                ops.append(op)
            }
        }
        self.edgeOps = ops
    }

    /// Op codes of the 8 nodes in canonical order.
    func nodeCodes(_ encoding: CellEncoding) -> [Int] { [0] + edgeOps.map { encoding.operationCodes[$0] } + [6] }

    /// Counts of each of the 5 operations among the 6 edges.
    public var opCountFeatures: [Float] {
        var c = [Float](repeating: 0, count: Self.operations.count)
        for op in edgeOps { c[op] += 1 }
        return c
    }

    public func tokenGraph(encoding: CellEncoding = .trans) -> TokenGraph {
        tokenGraph(order: Array(0..<8), encoding: encoding)
    }

    /// The same cell with its rows in another valid topological order (chosen by
    /// `seed`), edges relabelled and positions re-encoded: an isomorphic graph.
    public func reordered(seed: UInt64, encoding: CellEncoding = .trans) -> TokenGraph {
        var rng = SplitMix64(seed: seed)
        var indegree = [Int](repeating: 0, count: 8)
        for (_, b) in Self.dagEdges { indegree[b] += 1 }
        var ready = [0]
        var order: [Int] = []
        while !ready.isEmpty {
            let pick = Int(rng.next() % UInt64(ready.count))
            let v = ready.remove(at: pick)
            order.append(v)
            for (a, b) in Self.dagEdges where a == v {
                indegree[b] -= 1
                if indegree[b] == 0 { ready.append(b) }
            }
        }
        return tokenGraph(order: order, encoding: encoding)
    }

    /// `order[row]` = canonical node shown at that row.
    private func tokenGraph(order: [Int], encoding: CellEncoding) -> TokenGraph {
        var rowOf = [Int](repeating: 0, count: 8)
        for (row, node) in order.enumerated() { rowOf[node] = row }
        let codes = nodeCodes(encoding)
        var tokens = [Float](repeating: 0, count: 8 * Self.tokenDim)
        for (row, node) in order.enumerated() {
            encoding.write(codes[node], into: &tokens, at: row * Self.tokenDim)
            encoding.write(row, into: &tokens, at: row * Self.tokenDim + 64)
        }
        let edges = Self.dagEdges.map { UndirectedEdge(rowOf[$0.0], rowOf[$0.1]) }
        return TokenGraph(nodeCount: 8, tokenDim: Self.tokenDim, tokens: tokens, edges: edges, staticFeatures: [])
    }

    /// The cell as IR nodes (ops named as in the arch string; `input` and `output`).
    var networkGraph: NetworkGraph {
        let names = ["input"] + edgeOps.map { Self.operations[$0] } + ["output"]
        let nodes = (0..<8).map { i in
            NetworkNode(name: "node\(i)", op: names[i], attributes: [:], inputShapes: [], outputShapes: [],
                        predecessors: Self.dagEdges.filter { $0.1 == i }.map { $0.0 }, hasBias: false,
                        origin: i == 0 ? .graphInput : .operation)
        }
        return NetworkGraph(nodes: nodes)
    }

    public static func == (l: NB201Cell, r: NB201Cell) -> Bool { l.edgeOps == r.edgeOps }
    public func hash(into h: inout Hasher) { h.combine(edgeOps) }
}
