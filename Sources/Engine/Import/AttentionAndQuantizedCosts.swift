/// FLOPs and parameters of the ops the authors' cost table has no row for: attention
/// (Softmax, LayerNormalization, Gelu, Einsum), recurrent layers and the quantized ops.
///
/// Why these counts: latency follows the work an op does, and a table without these ops
/// costs an int8 convolution or a LayerNorm as free. Quantized convolutions and matrix
/// products count their integer multiply-adds like float ones (2 per multiply-add); the
/// op's one-hot slot tells the model they run at another rate. Elementwise counts are
/// the operations per output element of the usual kernel (Softmax: max, subtract, exp,
/// sum, divide). None of these ops occurs in data/latency, so the tokens the shipped
/// models read for that data are unchanged.
enum AttentionAndQuantizedCosts {
    /// The ops below that add to network totals.
    static let countedOps: Set<String> = [
        "Softmax", "LogSoftmax", "LayerNormalization", "Gelu", "Erf", "HardSwish", "Einsum", "QLinearConv",
        "ConvInteger", "QLinearMatMul", "MatMulInteger", "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear",
        "LSTM", "GRU", "RNN", "ScatterND", "GatherElements", "Gather", "Where", "Expand", "Pad", "Exp", "TopK",
    ]

    /// Operations per output element of the elementwise ops.
    private static let perElement: [String: Double] = [
        "Softmax": 5, "LogSoftmax": 5, "Gelu": 8, "Erf": 4, "HardSwish": 4, "QuantizeLinear": 2,
        "DequantizeLinear": 2, "Exp": 1, "Where": 1,
    ]

    /// (FLOPs, params) of `node`, or nil for an op without a count (moves memory only).
    static func cost(of node: NetworkNode) -> (Double, Double)? {
        let out = Double(ShapeInference.elements(node.outputShape))
        let input = node.inputShapes.first ?? []
        if let k = perElement[node.op] { return (k * out, 0) }
        switch node.op {
        case "LayerNormalization":
            // mean, subtract, square, mean, rsqrt, multiply, scale, shift.
            let a0 = node.attributes["axis"]?.asInt ?? -1
            let axis = a0 < 0 ? a0 + input.count : a0
            let normalized = axis >= 0 && axis <= input.count ? Double(ShapeInference.elements(Array(input[axis...]))) : 0
            let params = (node.inputShapes.count > 1 ? normalized : 0) + (node.inputShapes.count > 2 ? normalized : 0)
            return (8 * out, params)
        case "QLinearConv", "ConvInteger":
            let w = node.op == "QLinearConv" ? 3 : 1
            guard node.inputShapes.count > w, input.count >= 2 else { return nil }
            let group = Double(max(node.attributes["group"]?.asInt ?? 1, 1))
            let kernel = Double(ShapeInference.elements(Array(node.inputShapes[w].dropFirst(2))))
            let ci = Double(input[1])
            let co = Double(node.outputShape.count > 1 ? node.outputShape[1] : 0)
            let bias = node.op == "QLinearConv" && node.inputShapes.count > 8 ? 1.0 : 0.0
            return (out * (2 * ci / group * kernel - 1 + bias), co * (ci / group * kernel + bias))
        case "QLinearMatMul", "MatMulInteger":
            guard let k = input.last else { return nil }
            return (out * (2 * Double(k) - 1), 0)
        case "DynamicQuantizeLinear":
            return (4 * Double(ShapeInference.elements(input)), 0)
        case "Einsum":
            guard case .string(let equation)? = node.attributes["equation"] else { return nil }
            let k = contractedSize(equation, node.inputShapes)
            return (node.inputShapes.count > 1 ? out * (2 * k - 1) : out * k, 0)
        case "LSTM", "GRU", "RNN":
            // Per step and direction: gates x hidden x (input + hidden) multiply-adds.
            guard node.inputShapes.count > 1, input.count == 3, node.inputShapes[1].count == 3 else { return nil }
            let w = node.inputShapes[1]
            let gates = node.op == "LSTM" ? 4.0 : node.op == "GRU" ? 3.0 : 1.0
            let directions = Double(w[0]), rows = Double(w[1]), features = Double(w[2])
            let hidden = rows / gates
            let steps = Double(input[0] * input[1])
            let flops = 2 * steps * directions * rows * (features + hidden) + steps * directions * hidden * 3 * gates
            return (flops, directions * rows * (features + hidden + 2))
        default:
            return nil
        }
    }

    /// The product of the sizes of the labels an Einsum sums over (1 when none).
    static func contractedSize(_ equation: String, _ shapes: [[Int]]) -> Double {
        let eq = equation.filter { !$0.isWhitespace }.replacingOccurrences(of: "...", with: "")
        let sides = eq.components(separatedBy: "->")
        let terms = sides[0].components(separatedBy: ",")
        var sizes: [Character: Int] = [:]
        for (term, shape) in zip(terms, shapes) {
            // Labels after an ellipsis align with the shape's end.
            let labels = Array(term)
            let offset = shape.count - labels.count
            for (k, c) in labels.enumerated() where offset + k >= 0 && offset + k < shape.count {
                sizes[c] = max(sizes[c] ?? 1, shape[offset + k])
            }
        }
        let kept = sides.count == 2 ? Set(sides[1]) : Set(sizes.keys.filter { c in terms.map { $0.filter { $0 == c }.count }.reduce(0, +) == 1 })
        return sizes.filter { !kept.contains($0.key) }.reduce(1.0) { $0 * Double($1.value) }
    }
}
