/// Shape rules for the ops of attention-era and deployed networks that the vision core
/// (`ShapeInference.infer`) does not cover: scatters and gathers by index, Einsum, the
/// recurrent ops, TopK, Range and the quantized ops. Same contract: exact
/// shapes or a `Failure` that says what is missing, never a guess.
extension ShapeInference {
    /// Ops whose output has the shape of their first input (scatters write into a copy of
    /// `data`; quantize/dequantize change the element type only).
    static let sameShapeAsFirstInput: Set<String> = [
        "ScatterND", "ScatterElements", "Scatter", "QuantizeLinear", "DequantizeLinear", "Trilu", "CumSum",
    ]

    func inferSequenceAndQuantized(_ node: RawNode, _ inputs: [Tensor?]) throws -> [Tensor] {
        func input(_ i: Int) throws -> Tensor {
            guard i < inputs.count, let t = inputs[i] else { throw Failure(message: "input \(i + 1) is missing") }
            return t
        }
        let attrs = node.attributes
        let op = node.op
        if Self.sameShapeAsFirstInput.contains(op) {
            return [Tensor(shape: try input(0).shape)]
        }
        switch op {
        case "GatherElements":
            // The output has the indices' shape (ONNX: same rank as data).
            let data = try input(0), idx = try input(1)
            guard idx.shape.count == data.shape.count else {
                throw Failure(message: "indices rank \(idx.shape.count) differs from data rank \(data.shape.count)")
            }
            return [Tensor(shape: idx.shape)]
        case "GatherND":
            let data = try input(0), idx = try input(1)
            let batchDims = attrs["batch_dims"]?.asInt ?? 0
            guard let last = idx.shape.last, batchDims >= 0, batchDims + last <= data.shape.count,
                  batchDims < idx.shape.count else {
                throw Failure(message: "indices \(idx.shape) do not fit data \(data.shape)")
            }
            return [Tensor(shape: Array(idx.shape.dropLast()) + Array(data.shape.dropFirst(batchDims + last)))]
        case "DynamicQuantizeLinear":
            return [Tensor(shape: try input(0).shape), Tensor(shape: []), Tensor(shape: [])]
        case "QLinearMatMul":
            // a, a_scale, a_zero_point, b, ...: the float MatMul of inputs 0 and 3.
            return try matMulShape(try input(0).shape, try input(3).shape)
        case "Einsum":
            guard case .string(let equation)? = attrs["equation"] else { throw Failure(message: "the equation is missing") }
            return [Tensor(shape: try einsumShape(equation, try (0..<inputs.count).map { try input($0).shape }))]
        case "LSTM", "GRU", "RNN":
            return try recurrentShapes(node, x: try input(0), w: try input(1))
        case "TopK":
            let x = try input(0)
            let k: Int
            if let attrK = attrs["k"]?.asInt, opset < 10 {
                k = attrK
            } else {
                guard let v = try input(1).values, v.count == 1 else {
                    throw Failure(message: "K (input 2) is not a constant, so the output shape cannot be known")
                }
                k = try int(v[0])
            }
            let ax = try axis(attrs["axis"]?.asInt ?? -1, x.shape.count)
            guard k >= 0, k <= x.shape[ax] else { throw Failure(message: "K = \(k) exceeds dimension \(x.shape[ax])") }
            var shape = x.shape
            shape[ax] = k
            return [Tensor(shape: shape), Tensor(shape: shape)]
        case "Range":
            let bounds = try (0..<3).map { i -> Double in
                guard let v = try input(i).values, v.count == 1, v[0].isFinite else {
                    throw Failure(message: "start, limit and delta (inputs 1-3) must be constants, so the output length can be known")
                }
                return v[0]
            }
            guard bounds[2] != 0 else { throw Failure(message: "a delta of zero") }
            let count = try int(max(((bounds[1] - bounds[0]) / bounds[2]).rounded(.up), 0))
            let values = count <= Self.maxValueElements ? (0..<count).map { bounds[0] + Double($0) * bounds[2] } : nil
            return [Tensor(shape: [count], values: values)]
        case "NonZero", "NonMaxSuppression", "Unique", "Loop", "If", "Scan":
            throw Failure(message: "the output shape depends on the data or on a subgraph, so it cannot be known before running; "
                + "re-export without it (a fixed-size alternative, or the op moved out of the model)")
        default:
            throw Failure(message: "no shape rule for this operation; re-export without it (or with its decomposition into standard ops)")
        }
    }

    /// numpy matmul shapes (1-D operands promoted and dropped again).
    func matMulShape(_ a0: [Int], _ b0: [Int]) throws -> [Tensor] {
        var a = a0, b = b0
        guard !a.isEmpty, !b.isEmpty else { throw Failure(message: "MatMul of a scalar") }
        let va = a.count == 1, vb = b.count == 1
        if va { a = [1] + a }
        if vb { b = b + [1] }
        guard a[a.count - 1] == b[b.count - 2] else {
            throw Failure(message: "inner dimensions \(a[a.count - 1]) and \(b[b.count - 2]) differ")
        }
        var shape = try broadcast(Array(a.dropLast(2)), Array(b.dropLast(2)))
        if !va { shape.append(a[a.count - 2]) }
        if !vb { shape.append(b[b.count - 1]) }
        return [Tensor(shape: shape)]
    }

    /// The output shape of an Einsum equation (explicit `->` or implicit mode, with `...`).
    func einsumShape(_ equation: String, _ shapes: [[Int]]) throws -> [Int] {
        let eq = equation.filter { !$0.isWhitespace }
        let sides = eq.components(separatedBy: "->")
        guard sides.count <= 2 else { throw Failure(message: "equation '\(equation)' has more than one '->'") }
        let terms = sides[0].components(separatedBy: ",")
        guard terms.count == shapes.count else {
            throw Failure(message: "equation '\(equation)' names \(terms.count) operands, the node has \(shapes.count)")
        }
        var sizes: [Character: Int] = [:]
        var counts: [Character: Int] = [:]
        var ellipsis: [Int] = []
        for (term, shape) in zip(terms, shapes) {
            let parts = term.components(separatedBy: "...")
            guard parts.count <= 2 else { throw Failure(message: "operand '\(term)' has two ellipses") }
            let labels = Array(parts.joined())
            guard labels.allSatisfy(\.isLetter) else { throw Failure(message: "operand '\(term)' has a label that is not a letter") }
            let ellipsisRank = shape.count - labels.count
            guard ellipsisRank >= 0, parts.count == 2 || ellipsisRank == 0 else {
                throw Failure(message: "operand '\(term)' does not match its rank \(shape.count)")
            }
            let head = Array(parts[0])
            for (k, c) in labels.enumerated() {
                let dim = k < head.count ? shape[k] : shape[k + ellipsisRank]
                if let known = sizes[c], known != dim, known != 1, dim != 1 {
                    throw Failure(message: "label '\(c)' is \(known) in one operand and \(dim) in another")
                }
                sizes[c] = max(sizes[c] ?? dim, dim)
                counts[c, default: 0] += 1
            }
            if parts.count == 2 {
                ellipsis = try broadcast(ellipsis, Array(shape[head.count..<(head.count + ellipsisRank)]))
            }
        }
        let output: String
        if sides.count == 2 {
            output = sides[1]
        } else {
            // Implicit mode: the ellipsis, then the labels seen once, in alphabetical order.
            output = "..." + String(counts.filter { $0.value == 1 }.keys.sorted())
        }
        var shape: [Int] = []
        let parts = output.components(separatedBy: "...")
        guard parts.count <= 2 else { throw Failure(message: "the output '\(output)' has two ellipses") }
        for (k, part) in parts.enumerated() {
            if k == 1 { shape += ellipsis }
            for c in part {
                guard let d = sizes[c] else { throw Failure(message: "output label '\(c)' is in no operand") }
                shape.append(d)
            }
        }
        return shape
    }

    /// LSTM/GRU/RNN outputs: Y, Y_h (and Y_c for LSTM), for `layout` 0 (sequence first) or 1.
    private func recurrentShapes(_ node: RawNode, x: Tensor, w: Tensor) throws -> [Tensor] {
        guard x.shape.count == 3, w.shape.count == 3 else {
            throw Failure(message: "X and W must be 3-D, got ranks \(x.shape.count) and \(w.shape.count)")
        }
        let gates = node.op == "LSTM" ? 4 : node.op == "GRU" ? 3 : 1
        let hidden = node.attributes["hidden_size"]?.asInt ?? w.shape[1] / gates
        guard hidden > 0, w.shape[1] == gates * hidden else {
            throw Failure(message: "W has \(w.shape[1]) rows, not \(gates) x hidden_size \(hidden)")
        }
        let directions = w.shape[0]
        let layout = node.attributes["layout"]?.asInt ?? 0
        let seq = layout == 0 ? x.shape[0] : x.shape[1], batch = layout == 0 ? x.shape[1] : x.shape[0]
        let y = layout == 0 ? [seq, directions, batch, hidden] : [batch, seq, directions, hidden]
        let state = layout == 0 ? [directions, batch, hidden] : [batch, directions, hidden]
        return [Tensor(shape: y), Tensor(shape: state)] + (node.op == "LSTM" ? [Tensor(shape: state)] : [])
    }
}
