import Foundation

/// How a network becomes token rows. `.baseline` is the paper's encoding exactly as the
/// authors' code computes it; new encodings get new cases, the baseline stays.
public enum TokenEncoding: String, Sendable, CaseIterable, Codable {
    case baseline
    /// Per-node log costs in front of the baseline columns, log totals as statics
    /// (`CostTokenizer`).
    case costs
    /// `costs` over the canonical graph (`GraphCanonicalizer`) with a 72-op table that has
    /// slots for LayerNormalization, Gelu, Einsum and the quantized ops (`Costs2Tokenizer`).
    case costs2
    /// `costs2`'s layout with the canonical graph's own memory and parameter counts
    /// (`CanonicalNodeCosts`): views and no-op Pads move nothing, Gather and Slice read
    /// what they select, a MatMul with a weight operand is the linear layer it is. A new
    /// name, not a changed `costs2`: stored tokens and checkpoints name their encoding, and
    /// one name must keep one meaning.
    case costs3

    /// The name the token cache keys on and checkpoints store (`token_encoding`); named in
    /// one place, `ModelTokens`.
    public var storedName: String { ModelTokens.network(self).storedName }

    /// The whole-network encoding a checkpoint's `token_encoding` names; nil for another
    /// kind of encoding (cells). An empty name (old checkpoints) is the baseline.
    public init?(storedName: String) {
        guard case .network(let encoding) = ModelTokens(storedName: storedName) else { return nil }
        self = encoding
    }
}

/// The paper's sinusoidal encoding `PE_n(v)`: for j in 0..<n, sin(v f_j), cos(v f_j)
/// with f_j = 10000^(-j/n). Computed as the authors' numpy code does (float32 product,
/// then sin/cos), so tokens agree with their fixtures to float precision.
enum PositionalEncoding {
    static let frequencies5: [Float] = (0..<5).map { Float(1.0 / pow(10000.0, Double($0) / 5.0)) }

    /// `write5`'s ten values for the whole numbers below `tabulated`, computed once: shape
    /// dimensions and integer attributes are almost all small whole numbers, and sin/cos
    /// were a tenth of an import. The table holds the very values the loop computes.
    static let tabulated = 4096
    private static let table: [Float] = (0..<tabulated).flatMap { v in
        (0..<5).flatMap { j -> [Float] in
            let arg = Double(Float(v) * frequencies5[j])
            return [Float(sin(arg)), Float(cos(arg))]
        }
    }

    /// Writes 2 x 5 values for `value` at `out[offset...]`.
    static func write5(_ value: Float, into out: UnsafeMutableBufferPointer<Float>, at offset: Int) {
        if value >= 0, value < Float(tabulated), let whole = Int(exactly: value) {
            table.withUnsafeBufferPointer { table in
                for k in 0..<10 { out[offset + k] = table[whole * 10 + k] }
            }
            return
        }
        for j in 0..<5 {
            let arg = Double(value * frequencies5[j])
            out[offset + 2 * j] = Float(sin(arg))
            out[offset + 2 * j + 1] = Float(cos(arg))
        }
    }

    /// PE of a vector the way numpy broadcasts it: all sines of f_0, all cosines of
    /// f_0, then f_1, ... (used for Transpose's 8-slot perm).
    static func writeVector5(_ values: [Float], into out: UnsafeMutableBufferPointer<Float>, at offset: Int) {
        var k = offset
        for j in 0..<5 {
            for v in values { out[k] = Float(sin(Double(v * frequencies5[j]))); k += 1 }
            for v in values { out[k] = Float(cos(Double(v * frequencies5[j]))); k += 1 }
        }
    }
}

/// The baseline whole-network tokens: 32 op one-hot + 80 attributes + 40 output shape.
enum BaselineTokenizer {
    static let tokenDim = 152
    static let staticDim = 40

    /// The authors' op table (`feature_utils.OPS`), one-hot position = code - 1.
    /// Deliberate difference: they spell MatMul "Matmul", so their MatMul nodes get an
    /// all-zero one-hot; we give MatMul its slot (17).
    static let opSlots: [String: Int] = [
        "Conv": 0, "Relu": 1, "Add": 2, "Sigmoid": 3, "Reshape": 4, "MaxPool": 5, "Split": 6,
        "GlobalAveragePool": 7, "Gemm": 8, "Transpose": 9, "Upsample": 10, "BatchNormalization": 11,
        "Mul": 12, "Concat": 13, "Flatten": 14, "AveragePool": 15, "Cast": 16, "MatMul": 17,
        "ReduceMean": 18, "Pow": 19, "Slice": 20, "Div": 21, "Sub": 22, "Sqrt": 23, "Clip": 24,
        "Softmax": 25, "Tanh": 26, "ConvTranspose": 27,
    ]

    static func isKnown(_ op: String) -> Bool { opSlots[op] != nil || op == "Input" }

    static func encode(_ graph: NetworkGraph, totals total: NodeCost, batchSize: Int) -> TokenGraph {
        let n = graph.nodes.count
        var tokens = [Float](repeating: 0, count: n * tokenDim)
        tokens.withUnsafeMutableBufferPointer { buf in
            for (i, node) in graph.nodes.enumerated() {
                let row = i * tokenDim
                if let slot = opSlots[node.op] { buf[row + slot] = 1 }
                writeAttributes(node, into: buf, at: row + 32)
                let shape = node.outputShape
                for k in 0..<4 {
                    PositionalEncoding.write5(k < shape.count ? Float(shape[k]) : 0, into: buf, at: row + 112 + 10 * k)
                }
            }
        }
        var staticFeatures = [Float](repeating: 0, count: staticDim)
        staticFeatures.withUnsafeMutableBufferPointer { buf in
            let values: [Float] = [Float(batchSize), Float(total.flops / 1e9), Float(total.params / 1e9), Float(total.memoryAccess / 1e9)]
            for (k, v) in values.enumerated() { PositionalEncoding.write5(v, into: buf, at: 10 * k) }
        }
        var edges: [UndirectedEdge] = []
        for (i, node) in graph.nodes.enumerated() { for p in node.predecessors { edges.append(UndirectedEdge(p, i)) } }
        return TokenGraph(nodeCount: n, tokenDim: tokenDim, tokens: tokens, edges: edges, staticFeatures: staticFeatures)
    }

    /// The paper's 8 attribute slots, with ONNX defaults for attributes a file omits.
    private static func writeAttributes(_ node: NetworkNode, into buf: UnsafeMutableBufferPointer<Float>, at offset: Int) {
        let a = node.attributes
        func first(_ name: String, _ fallback: Int) -> Float { Float(a[name]?.asInts?.first ?? fallback) }
        var slots: [Float] = []
        switch node.op {
        case "Conv", "ConvTranspose", "ConvInteger", "QLinearConv":
            // QLinearConv's weight is its 4th input (x, x_scale, x_zero_point, w, ...).
            let w = node.op == "QLinearConv" ? 3 : 1
            let kernel = a["kernel_shape"]?.asInts?.first
                ?? (node.inputShapes.count > w && node.inputShapes[w].count > 2 ? node.inputShapes[w][2] : 0)
            slots = [Float(kernel), first("strides", 1), first("pads", 0), first("dilations", 1),
                     Float(a["group"]?.asInt ?? 1), node.hasBias ? 1 : 0]
            if node.op == "ConvTranspose" { slots.append(first("output_padding", 0)) }
        case "MaxPool", "AveragePool":
            slots = [first("kernel_shape", 0), first("strides", 1), first("pads", 0)]
        case "Gemm":
            slots = [node.hasBias ? 1 : 0]
        case "Transpose":
            let rank = node.outputShape.count
            var perm = (a["perm"]?.asInts ?? Array((0..<rank).reversed())).map(Float.init)
            perm = Array(perm.prefix(8)) + Array(repeating: 0, count: max(0, 8 - perm.count))
            PositionalEncoding.writeVector5(perm, into: buf, at: offset)
            return
        default:
            return
        }
        for (k, v) in slots.enumerated() { PositionalEncoding.write5(v, into: buf, at: offset + 10 * k) }
    }
}
