/// One node of the network IR: an operation (or an `Input`, as the authors' extraction
/// adds one for the network input, for initializers read directly by an op and for
/// Constants) with its inferred output shape.
public struct NetworkNode: Sendable, Hashable {
    /// The name of the node's first output tensor (the authors name nodes this way).
    public var name: String
    /// The ONNX op type; `Input` for graph inputs, directly read initializers and Constants.
    public var op: String
    public var attributes: [String: AttributeValue]
    /// Shapes of the tensors the op reads, in input order (absent optional inputs dropped).
    public var inputShapes: [[Int]]
    /// Shapes of every output; `outputShapes[0]` is the one tokens encode.
    public var outputShapes: [[Int]]
    /// Positions of the nodes whose outputs this node reads, without repeats.
    public var predecessors: [Int]
    /// Whether a Conv, ConvTranspose or Gemm has a bias input.
    public var hasBias: Bool
    /// Where the node comes from: graph inputs and initializers move no memory of their own.
    public var origin: Origin

    public enum Origin: String, Sendable, Hashable {
        case graphInput, initializer, operation
    }

    public var outputShape: [Int] { outputShapes.first ?? [] }
}

/// A network as nodes in topological order with directed edges (producer -> consumer).
public struct NetworkGraph: Sendable, Hashable {
    public var nodes: [NetworkNode]

    /// Directed edges (from, to), sorted.
    public var edges: [(from: Int, to: Int)] {
        var out: [(Int, Int)] = []
        for (i, n) in nodes.enumerated() { for p in n.predecessors { out.append((p, i)) } }
        return out.sorted { $0 < $1 }.map { (from: $0.0, to: $0.1) }
    }

    /// How many nodes of each op type.
    public var opHistogram: [String: Int] {
        var h: [String: Int] = [:]
        for n in nodes { h[n.op, default: 0] += 1 }
        return h
    }
}
