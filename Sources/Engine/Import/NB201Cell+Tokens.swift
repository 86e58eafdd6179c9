/// Reading a cell back from its tokens: a latency model with a per-edge cost base
/// (`TrainedModel.cellBase`) needs each graph's six operations, and graphs reach a model
/// as tokens only (the daemon stores and serves token graphs).
extension NB201Cell {
    /// The six edge operations (indices into `operations`) of a cell tokenised by
    /// `tokenGraph(encoding:)` in either cell encoding, in canonical row order; nil for any
    /// other graph (a whole network, a reordered cell).
    public static func edgeOperations(in graph: TokenGraph) -> [Int]? {
        guard graph.nodeCount == 8, graph.tokenDim == tokenDim, graph.staticFeatures.isEmpty,
              graph.edges == canonicalEdges else { return nil }
        for encoding in CellEncoding.allCases {
            if let ops = edgeOperations(in: graph, encoding: encoding) { return ops }
        }
        return nil
    }

    /// The fixed DAG as a token graph stores it: a reordered cell's rows, and so its
    /// edges, differ, though its tokens look like some canonical cell's.
    private static let canonicalEdges = UndirectedEdge.canonical(dagEdges.map { UndirectedEdge($0.0, $0.1) })

    private static func edgeOperations(in graph: TokenGraph, encoding: CellEncoding) -> [Int]? {
        let references = CodeReferences.shared.rows(encoding)
        func code(atRow row: Int, column: Int, among candidates: [Int]) -> Int? {
            candidates.first { candidate in
                let reference = references[candidate]
                var distance: Float = 0
                for j in 0..<64 {
                    let d = graph.tokens[row * tokenDim + column + j] - reference[j]
                    distance += d * d
                }
                return distance < 1e-4
            }
        }
        // Canonical order: row r holds node r, whose position code is r.
        for row in 0..<8 where code(atRow: row, column: 64, among: [row]) == nil { return nil }
        guard code(atRow: 0, column: 0, among: [0]) != nil, code(atRow: 7, column: 0, among: [6]) != nil else { return nil }
        var ops: [Int] = []
        for row in 1...6 {
            guard let found = code(atRow: row, column: 0, among: encoding.operationCodes) else { return nil }
            guard let op = encoding.operationCodes.firstIndex(of: found) else { return nil }
            ops.append(op)
        }
        return ops
    }

    /// The 64 sinusoid columns of the codes 0...7 in each encoding, computed once.
    private final class CodeReferences: Sendable {
        static let shared = CodeReferences()
        let trans: [[Float]]
        let nerf: [[Float]]

        init() {
            func table(_ encoding: CellEncoding) -> [[Float]] {
                (0..<8).map { value in
                    var row = [Float](repeating: 0, count: 64)
                    encoding.write(value, into: &row, at: 0)
                    return row
                }
            }
            trans = table(.trans)
            nerf = table(.nerf)
        }

        func rows(_ encoding: CellEncoding) -> [[Float]] {
            switch encoding {
            case .trans: return trans
            case .nerf: return nerf
            }
        }
    }
}
