/// Output shapes (and, for small integer tensors such as shape vectors, values) of one
/// operation from its inputs' shapes and known values. An op it does not know is an
/// error naming the node and op: a guessed shape would give wrong tokens silently.
struct ShapeInference {
    struct Failure: Error {
        var message: String
        /// A shape the file states for the node replaces the inference when it fails, unless
        /// the node itself is impossible (an attribute beyond what its input allows).
        var statedShapeMayReplace = true
    }

    /// What is known about one tensor.
    struct Tensor: Equatable {
        var shape: [Int]
        var values: [Double]?
    }

    let opset: Int
    /// Bound on the element count of any tensor: beyond this a file is hostile or broken.
    static let maxElements = 1 << 36

    static func elements(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape {
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o { return Int.max }
            n = p
        }
        return n
    }

    static let unaryOps: Set<String> = [
        "Relu", "Sigmoid", "Tanh", "Clip", "HardSigmoid", "HardSwish", "LeakyRelu", "Elu", "Selu", "Celu",
        "Softmax", "LogSoftmax", "Dropout", "Identity", "Cast", "Sqrt", "Exp", "Log", "Neg", "Abs", "Erf",
        "Gelu", "Softplus", "Softsign", "Mish", "BatchNormalization", "InstanceNormalization",
        "LayerNormalization", "LRN", "Reciprocal", "Floor", "Ceil", "Round", "Not", "Sign", "Sin", "Cos",
        "PRelu", "ThresholdedRelu", "IsNaN", "IsInf", "Hardmax", "CastLike", "GroupNormalization",
    ]
    static let broadcastOps: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Equal", "Less", "Greater",
        "LessOrEqual", "GreaterOrEqual", "Where", "And", "Or", "Xor", "Mod", "BitShift",
    ]
    static let reduceOps: Set<String> = [
        "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin",
    ]

    /// Which of the three op sets above an op is in.
    enum Family { case unary, broadcast, reduce }
    /// The sets above as one table: one hash of the op name per node instead of up to
    /// three set probes (those probes were a quarter of inference).
    static let families: [String: Family] = {
        var table: [String: Family] = [:]
        // Disjoint today; were they not, the first check of `infer` (unary) would win.
        for op in reduceOps { table[op] = .reduce }
        for op in broadcastOps { table[op] = .broadcast }
        for op in unaryOps { table[op] = .unary }
        return table
    }()

    func infer(_ node: RawNode, _ inputs: [Tensor?]) throws -> [Tensor] {
        func input(_ i: Int) throws -> Tensor {
            guard i < inputs.count, let t = inputs[i] else { throw Failure(message: "input \(i + 1) is missing") }
            return t
        }
        func optionalInput(_ i: Int) -> Tensor? { i < inputs.count ? inputs[i] : nil }
        func valuesOf(_ i: Int, _ what: String) throws -> [Int] {
            guard let v = try input(i).values else {
                throw Failure(message: "\(what) (input \(i + 1)) is computed at run time and could not be folded to a constant, "
                    + "so the output shape cannot be known; re-export with static input shapes and constant folding "
                    + "(torch.onnx.export(..., do_constant_folding=True) without dynamic axes, or onnxsim)")
            }
            return try v.map { try int($0) }
        }
        let attrs = node.attributes
        let op = node.op
        let family = Self.families[op]

        if family == .unary {
            let x = try input(0)
            var outs = [Tensor(shape: x.shape, values: Self.foldUnary(op, x.values))]
            if node.outputs.count > 1 && op == "Dropout" { outs.append(Tensor(shape: x.shape)) }
            if op == "BatchNormalization" && node.outputs.count > 1 {
                let c = x.shape.count > 1 ? x.shape[1] : 1
                while outs.count < node.outputs.count { outs.append(Tensor(shape: [c])) }
            }
            return outs
        }
        if family == .broadcast {
            let ts = try (0..<max(inputs.count, 1)).map { try input($0) }
            var shape: [Int] = []
            for t in ts { shape = try broadcast(shape, t.shape) }
            var values: [Double]?
            if ts.count == 2, let a = ts[0].values, let b = ts[1].values, Self.elements(shape) <= Self.maxValueElements {
                values = elementwise(op, a, b, count: Self.elements(shape))
            } else if op == "Where", ts.count == 3, Self.elements(shape) <= Self.maxValueElements,
                      let c = ts[0].values, let a = ts[1].values, let b = ts[2].values {
                // Where(Equal(shape, -1), ones, shape): how exporters spell Expand's -1.
                let n = Self.elements(shape)
                if [c, a, b].allSatisfy({ $0.count == n || $0.count == 1 }) {
                    values = (0..<n).map { i in
                        (c.count == 1 ? c[0] : c[i]) != 0 ? (a.count == 1 ? a[0] : a[i]) : (b.count == 1 ? b[0] : b[i])
                    }
                }
            }
            return [Tensor(shape: shape, values: values)]
        }
        if family == .reduce {
            let x = try input(0)
            var axes = attrs["axes"]?.asInts ?? attrs["axis"]?.asInts
            if axes == nil, optionalInput(1) != nil { axes = try valuesOf(1, "axes") }
            let keep = (attrs["keepdims"]?.asInt ?? 1) != 0
            let rank = x.shape.count
            let noop = (attrs["noop_with_empty_axes"]?.asInt ?? 0) != 0
            let resolved = try Set((axes ?? (noop ? [] : Array(0..<rank))).map { try axis($0, rank) })
            var shape: [Int] = []
            for (i, d) in x.shape.enumerated() {
                if resolved.contains(i) { if keep { shape.append(1) } } else { shape.append(d) }
            }
            return [Tensor(shape: shape)]
        }

        switch op {
        case "Conv", "ConvInteger", "QLinearConv":
            let x = try input(0), w = try input(op == "QLinearConv" ? 3 : 1)
            guard x.shape.count >= 3, w.shape.count == x.shape.count else {
                throw Failure(message: "input rank \(x.shape.count) and weight rank \(w.shape.count) do not fit a convolution")
            }
            let group = attrs["group"]?.asInt ?? 1
            guard group >= 1, x.shape[1] == w.shape[1] * group else {
                throw Failure(message: "input has \(x.shape[1]) channels but the weight expects \(w.shape[1]) x \(group) groups")
            }
            let spatial = Array(w.shape.dropFirst(2))
            let out = try windowed(x.shape, kernel: spatial, attrs: attrs, ceil: false)
            return [Tensor(shape: [x.shape[0], w.shape[0]] + out)]
        case "ConvTranspose":
            let x = try input(0), w = try input(1)
            guard x.shape.count >= 3, w.shape.count == x.shape.count else {
                throw Failure(message: "input rank \(x.shape.count) and weight rank \(w.shape.count) do not fit a transposed convolution")
            }
            let group = attrs["group"]?.asInt ?? 1
            let n = x.shape.count - 2
            let k = Array(w.shape.dropFirst(2))
            let s = try Self.windowInts(attrs, "strides", default: Array(repeating: 1, count: n))
            let d = try Self.windowInts(attrs, "dilations", default: Array(repeating: 1, count: n))
            let p = try Self.windowInts(attrs, "pads", default: Array(repeating: 0, count: 2 * n))
            let op_ = try Self.windowInts(attrs, "output_padding", default: Array(repeating: 0, count: n))
            guard s.count == n, d.count == n, p.count == 2 * n, op_.count == n else {
                throw Failure(message: "strides, dilations, pads or output_padding do not match the \(n) spatial dimensions")
            }
            guard s.allSatisfy({ $0 > 0 }), d.allSatisfy({ $0 > 0 }) else {
                throw Failure(message: "strides and dilations must be positive")
            }
            try Self.checkWindow(input: x.shape, kernel: k, strides: s, dilations: d, pads: p + op_)
            var out: [Int] = []
            if let explicit = attrs["output_shape"]?.asInts, explicit.count == n {
                out = explicit
            } else {
                for i in 0..<n {
                    let size = s[i] * (x.shape[i + 2] - 1) + op_[i] + ((k[i] - 1) * d[i] + 1) - p[i] - p[i + n]
                    guard size >= 1 else {
                        throw Failure(message: "the pads (\(p[i]), \(p[i + n])) leave no output along spatial axis \(i + 1)",
                                      statedShapeMayReplace: false)
                    }
                    out.append(size)
                }
            }
            return [Tensor(shape: [x.shape[0], w.shape[1] * group] + out)]
        case "MaxPool", "AveragePool", "LpPool":
            let x = try input(0)
            guard let k = attrs["kernel_shape"]?.asInts, k.count == x.shape.count - 2 else {
                throw Failure(message: "kernel_shape is missing or does not match the input rank \(x.shape.count)")
            }
            let out = try windowed(x.shape, kernel: k, attrs: attrs, ceil: (attrs["ceil_mode"]?.asInt ?? 0) != 0)
            let shape = Array(x.shape.prefix(2)) + out
            return Array(repeating: Tensor(shape: shape), count: max(1, node.outputs.count))
        case "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool":
            let x = try input(0)
            guard x.shape.count >= 2 else { throw Failure(message: "input rank \(x.shape.count) is below 2") }
            return [Tensor(shape: Array(x.shape.prefix(2)) + Array(repeating: 1, count: x.shape.count - 2))]
        case "Gemm":
            let a = try input(0), b = try input(1)
            guard a.shape.count == 2, b.shape.count == 2 else {
                throw Failure(message: "Gemm needs 2-D inputs, got ranks \(a.shape.count) and \(b.shape.count)")
            }
            let ta = (attrs["transA"]?.asInt ?? 0) != 0, tb = (attrs["transB"]?.asInt ?? 0) != 0
            let m = ta ? a.shape[1] : a.shape[0], ka = ta ? a.shape[0] : a.shape[1]
            let kb = tb ? b.shape[1] : b.shape[0], n = tb ? b.shape[0] : b.shape[1]
            guard ka == kb else { throw Failure(message: "inner dimensions \(ka) and \(kb) differ") }
            return [Tensor(shape: [m, n])]
        case "MatMul", "MatMulInteger":
            return try matMulShape(try input(0).shape, try input(1).shape)
        case "Flatten":
            let x = try input(0)
            let ax = try axis(attrs["axis"]?.asInt ?? 1, x.shape.count + 1)
            return [Tensor(shape: [Self.elements(Array(x.shape.prefix(ax))), Self.elements(Array(x.shape.dropFirst(ax)))])]
        case "Reshape":
            let x = try input(0)
            let target = try attrs["shape"]?.asInts ?? valuesOf(1, "the target shape")
            let allowZero = (attrs["allowzero"]?.asInt ?? 0) != 0
            var shape: [Int] = []
            var unknown: Int?
            for (i, d) in target.enumerated() {
                if d == 0 && !allowZero {
                    guard i < x.shape.count else { throw Failure(message: "target dimension \(i) copies a dimension the input lacks") }
                    shape.append(x.shape[i])
                } else if d == -1 {
                    guard unknown == nil else { throw Failure(message: "the target shape has two -1 dimensions") }
                    unknown = i
                    shape.append(1)
                } else if d < 0 {
                    throw Failure(message: "target dimension \(d) is negative")
                } else {
                    shape.append(d)
                }
            }
            let total = Self.elements(x.shape)
            if let u = unknown {
                let rest = Self.elements(shape)
                guard rest > 0, total % rest == 0 else { throw Failure(message: "cannot reshape \(x.shape) to \(target)") }
                shape[u] = total / rest
            }
            guard Self.elements(shape) == total else { throw Failure(message: "cannot reshape \(x.shape) to \(target)") }
            return [Tensor(shape: shape, values: x.values)]
        case "Transpose":
            let x = try input(0)
            let perm = attrs["perm"]?.asInts ?? Array((0..<x.shape.count).reversed())
            guard perm.count == x.shape.count, Set(perm) == Set(0..<x.shape.count) else {
                throw Failure(message: "perm \(perm) is not a permutation of the input's \(x.shape.count) axes")
            }
            return [Tensor(shape: perm.map { x.shape[$0] }, values: x.values.flatMap { Self.transposeValues($0, shape: x.shape, perm: perm) })]
        case "Concat":
            let ts = try (0..<inputs.count).map { try input($0) }
            guard let first = ts.first else { throw Failure(message: "Concat without inputs") }
            let ax = try axis(attrs["axis"]?.asInt ?? 0, first.shape.count)
            var shape = first.shape
            shape[ax] = 0
            for t in ts {
                guard t.shape.count == first.shape.count else { throw Failure(message: "inputs of different ranks") }
                for i in 0..<shape.count where i != ax && t.shape[i] != first.shape[i] {
                    throw Failure(message: "inputs differ in dimension \(i): \(t.shape[i]) and \(first.shape[i])")
                }
                shape[ax] += t.shape[ax]
            }
            return [Tensor(shape: shape, values: Self.concatValues(ts, axis: ax, outShape: shape))]
        case "Split":
            let x = try input(0)
            let ax = try axis(attrs["axis"]?.asInt ?? 0, x.shape.count)
            var sizes = attrs["split"]?.asInts
            if sizes == nil, optionalInput(1) != nil { sizes = try valuesOf(1, "split sizes") }
            let n = max(node.outputs.count, 1)
            if sizes == nil {
                let parts = attrs["num_outputs"]?.asInt ?? n
                guard parts == n else { throw Failure(message: "split into \(parts) parts") }
                let chunk = (x.shape[ax] + parts - 1) / parts
                sizes = (0..<parts).map { min(chunk, max(0, x.shape[ax] - chunk * $0)) }
            }
            guard let sizes, sizes.count == n, sizes.reduce(0, +) == x.shape[ax] else {
                throw Failure(message: "split sizes do not add up to dimension \(x.shape[ax])")
            }
            return sizes.map { var s = x.shape; s[ax] = $0; return Tensor(shape: s) }
        case "Slice":
            let x = try input(0)
            let starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
            if opset < 10 || attrs["starts"] != nil {
                guard let s = attrs["starts"]?.asInts, let e = attrs["ends"]?.asInts else {
                    throw Failure(message: "starts or ends missing")
                }
                starts = s; ends = e; axes = attrs["axes"]?.asInts; steps = nil
            } else {
                starts = try valuesOf(1, "starts"); ends = try valuesOf(2, "ends")
                axes = optionalInput(3) == nil ? nil : try valuesOf(3, "axes")
                steps = optionalInput(4) == nil ? nil : try valuesOf(4, "steps")
            }
            let ax = try (axes ?? Array(0..<starts.count)).map { try axis($0, x.shape.count) }
            guard ends.count == starts.count, ax.count == starts.count else { throw Failure(message: "starts, ends and axes differ in length") }
            var shape = x.shape
            var first = Array(repeating: 0, count: x.shape.count)
            var stride = Array(repeating: 1, count: x.shape.count)
            for (i, a) in ax.enumerated() {
                let dim = x.shape[a]
                let step = steps?[i] ?? 1
                guard step != 0 else { throw Failure(message: "a step of zero") }
                func clampIndex(_ v: Int, _ lo: Int, _ hi: Int) -> Int {
                    let v2 = v < 0 ? v + dim : v
                    return min(max(v2, lo), hi)
                }
                if step > 0 {
                    let s = clampIndex(starts[i], 0, dim), e = clampIndex(ends[i], 0, dim)
                    shape[a] = e > s ? (e - s + step - 1) / step : 0
                    first[a] = s
                } else {
                    let s = clampIndex(starts[i], -1, dim - 1), e = clampIndex(ends[i], -1, dim - 1)
                    shape[a] = s > e ? (s - e + (-step) - 1) / (-step) : 0
                    first[a] = s
                }
                stride[a] = step
            }
            let values = x.values.flatMap { Self.sliceValues($0, shape: x.shape, outShape: shape, first: first, step: stride) }
            return [Tensor(shape: shape, values: values)]
        case "Squeeze":
            let x = try input(0)
            var axes = attrs["axes"]?.asInts
            if axes == nil, optionalInput(1) != nil { axes = try valuesOf(1, "axes") }
            let resolved = try Set((axes ?? x.shape.indices.filter { x.shape[$0] == 1 }).map { try axis($0, x.shape.count) })
            for a in resolved where x.shape[a] != 1 { throw Failure(message: "cannot squeeze dimension \(a) of size \(x.shape[a])") }
            return [Tensor(shape: x.shape.indices.filter { !resolved.contains($0) }.map { x.shape[$0] }, values: x.values)]
        case "Unsqueeze":
            let x = try input(0)
            let axes = try attrs["axes"]?.asInts ?? valuesOf(1, "axes")
            let rank = x.shape.count + axes.count
            let resolved = try Set(axes.map { try axis($0, rank) })
            guard resolved.count == axes.count else { throw Failure(message: "repeated axes \(axes)") }
            var shape: [Int] = []
            var it = x.shape.makeIterator()
            for i in 0..<rank { shape.append(resolved.contains(i) ? 1 : (it.next() ?? 1)) }
            return [Tensor(shape: shape, values: x.values)]
        case "Resize", "Upsample":
            let x = try input(0)
            var scales: [Double]?
            var sizes: [Int]?
            if let s = attrs["scales"]?.asFloats { scales = s.map(Double.init) }
            else if op == "Upsample" || opset < 11 {
                guard let v = try input(1).values else { throw Failure(message: "scales are not a constant") }
                scales = v
            } else {
                if let t = optionalInput(3), !t.shape.allSatisfy({ $0 == 0 }) || t.values != nil, let v = t.values, !v.isEmpty {
                    sizes = try v.map { try int($0) }
                } else if let t = optionalInput(2), let v = t.values, !v.isEmpty {
                    scales = v
                } else {
                    throw Failure(message: "neither scales nor sizes are constants")
                }
            }
            if let sizes {
                guard sizes.count == x.shape.count else { throw Failure(message: "sizes do not match the input rank") }
                return [Tensor(shape: sizes)]
            }
            guard let scales, scales.count == x.shape.count else { throw Failure(message: "scales do not match the input rank") }
            return [Tensor(shape: try zip(x.shape, scales).map { try int((Double($0) * $1).rounded(.down)) })]
        case "Pad":
            let x = try input(0)
            let pads = try attrs["pads"]?.asInts ?? attrs["paddings"]?.asInts ?? valuesOf(1, "pads")
            var axesList = Array(0..<x.shape.count)
            if optionalInput(3) != nil { axesList = try valuesOf(3, "axes").map { try axis($0, x.shape.count) } }
            guard pads.count == 2 * axesList.count else { throw Failure(message: "pads length \(pads.count) does not match the rank") }
            var shape = x.shape
            for (i, a) in axesList.enumerated() { shape[a] += pads[i] + pads[i + axesList.count] }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw Failure(message: "negative size after padding") }
            return [Tensor(shape: shape)]
        case "Gather":
            let data = try input(0), idx = try input(1)
            let ax = try axis(attrs["axis"]?.asInt ?? 0, data.shape.count)
            let shape = Array(data.shape.prefix(ax)) + idx.shape + Array(data.shape.dropFirst(ax + 1))
            var values: [Double]?
            if data.shape.count == 1, let dv = data.values, let iv = idx.values {
                values = try iv.map { v in
                    var i = try int(v)
                    if i < 0 { i += dv.count }
                    guard i >= 0, i < dv.count else { throw Failure(message: "index \(i) out of range") }
                    return dv[i]
                }
            }
            return [Tensor(shape: shape, values: values)]
        case "Shape":
            let x = try input(0)
            let r = x.shape.count
            var s = attrs["start"]?.asInt ?? 0, e = attrs["end"]?.asInt ?? r
            if s < 0 { s += r }
            if e < 0 { e += r }
            s = min(max(s, 0), r); e = min(max(e, s), r)
            return [Tensor(shape: [e - s], values: x.shape[s..<e].map(Double.init))]
        case "Size":
            return [Tensor(shape: [], values: [Double(Self.elements(try input(0).shape))])]
        case "Constant":
            if case .tensor(let t)? = attrs["value"] { return [Tensor(shape: t.dims, values: t.values)] }
            if let v = attrs["value_int"]?.asInt { return [Tensor(shape: [], values: [Double(v)])] }
            if let v = attrs["value_ints"]?.asInts { return [Tensor(shape: [v.count], values: v.map(Double.init))] }
            if case .float(let v)? = attrs["value_float"] { return [Tensor(shape: [], values: [Double(v)])] }
            if let v = attrs["value_floats"]?.asFloats { return [Tensor(shape: [v.count], values: v.map(Double.init))] }
            throw Failure(message: "a Constant without a value")
        case "ConstantOfShape":
            let shape = try valuesOf(0, "the shape")
            guard shape.allSatisfy({ $0 >= 0 }) else { throw Failure(message: "negative dimension") }
            var fill = 0.0
            if case .tensor(let t)? = attrs["value"], let v = t.values?.first { fill = v }
            let n = Self.elements(shape)
            return [Tensor(shape: shape, values: n <= Self.maxValueElements ? Array(repeating: fill, count: n) : nil)]
        case "Expand":
            let x = try input(0)
            let shape = try broadcast(x.shape, try valuesOf(1, "the shape"))
            var values: [Double]?
            if let v = x.values, v.count == 1, Self.elements(shape) <= Self.maxValueElements { values = Array(repeating: v[0], count: Self.elements(shape)) }
            return [Tensor(shape: shape, values: values)]
        case "Tile":
            let x = try input(0)
            let reps = try valuesOf(1, "repeats")
            guard reps.count == x.shape.count else { throw Failure(message: "repeats do not match the rank") }
            return [Tensor(shape: zip(x.shape, reps).map { $0 * $1 })]
        case "DepthToSpace", "SpaceToDepth":
            let x = try input(0)
            guard x.shape.count == 4, let b = attrs["blocksize"]?.asInt, b > 0, b <= 4096 else { throw Failure(message: "needs a 4-D input and a blocksize") }
            if op == "DepthToSpace" { return [Tensor(shape: [x.shape[0], x.shape[1] / (b * b), x.shape[2] * b, x.shape[3] * b])] }
            return [Tensor(shape: [x.shape[0], x.shape[1] * b * b, x.shape[2] / b, x.shape[3] / b])]
        default:
            return try inferSequenceAndQuantized(node, inputs)
        }
    }

    func int(_ v: Double) throws -> Int {
        guard v.isFinite else { throw Failure(message: "value \(v) is not a usable integer") }
        return Int(min(max(v, -Double(maxAttributeMagnitude)), Double(maxAttributeMagnitude)))
    }

    func axis(_ a: Int, _ rank: Int) throws -> Int {
        let r = a < 0 ? a + rank : a
        guard r >= 0, r < max(rank, 1) else { throw Failure(message: "axis \(a) is outside rank \(rank)") }
        return r
    }

    func broadcast(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let n = max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let x = i < n - a.count ? 1 : a[i - (n - a.count)]
            let y = i < n - b.count ? 1 : b[i - (n - b.count)]
            guard x == y || x == 1 || y == 1 else { throw Failure(message: "shapes \(a) and \(b) do not broadcast") }
            out[i] = x == 1 ? y : x
        }
        return out
    }

    /// Binary ops whose small integer results (shape arithmetic) are carried as values.
    static let foldedBinaryOps: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Max", "Min", "Mod", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
        "And", "Or",
    ]

    /// Values of a unary op over a small (shape-arithmetic) tensor; nil for ops whose
    /// values shapes never depend on.
    static func foldUnary(_ op: String, _ values: [Double]?) -> [Double]? {
        guard let values else { return nil }
        switch op {
        case "Identity", "Cast", "Dropout", "CastLike": return values
        case "Neg": return values.map { -$0 }
        case "Abs": return values.map { abs($0) }
        case "Floor": return values.map { $0.rounded(.down) }
        case "Ceil": return values.map { $0.rounded(.up) }
        case "Round": return values.map { $0.rounded(.toNearestOrEven) }
        case "Not": return values.map { $0 == 0 ? 1 : 0 }
        case "Sign": return values.map { $0 > 0 ? 1 : $0 < 0 ? -1 : 0 }
        default: return nil
        }
    }

    private func elementwise(_ op: String, _ a: [Double], _ b: [Double], count: Int) -> [Double]? {
        guard a.count == count || a.count == 1, b.count == count || b.count == 1 else { return nil }
        guard Self.foldedBinaryOps.contains(op) else { return nil }
        return (0..<count).map { i in
            let x = a.count == 1 ? a[0] : a[i], y = b.count == 1 ? b[0] : b[i]
            switch op {
            case "Add": return x + y
            case "Sub": return x - y
            case "Mul": return x * y
            case "Max": return max(x, y)
            case "Min": return min(x, y)
            case "Mod": return y == 0 ? 0 : x - (x / y).rounded(.down) * y
            case "Equal": return x == y ? 1 : 0
            case "Less": return x < y ? 1 : 0
            case "Greater": return x > y ? 1 : 0
            case "LessOrEqual": return x <= y ? 1 : 0
            case "GreaterOrEqual": return x >= y ? 1 : 0
            case "And": return x != 0 && y != 0 ? 1 : 0
            case "Or": return x != 0 || y != 0 ? 1 : 0
            default: return y == 0 ? 0 : (x / y).rounded(.towardZero)
            }
        }
    }

    /// A window attribute (strides, dilations, pads, output_padding): whole numbers, or the
    /// default when absent. Numbers with a fraction, or too large to be read as whole numbers,
    /// are refused rather than replaced by the default.
    private static func windowInts(_ attrs: [String: AttributeValue], _ name: String, default value: [Int]) throws -> [Int] {
        guard let attribute = attrs[name] else { return value }
        if let ints = attribute.asInts { return ints }
        guard let floats = attribute.asFloats, !floats.isEmpty else {
            throw Failure(message: "\(name) must be a list of whole numbers", statedShapeMayReplace: false)
        }
        if floats.allSatisfy({ $0.isFinite && abs($0) <= Float(maxAttributeMagnitude) }) {
            throw Failure(message: "\(name) \(floats) must be whole numbers", statedShapeMayReplace: false)
        }
        throw Failure(message: "\(name) \(floats) are beyond what the input allows: they must be whole numbers at most "
                      + "twice the input size or the kernel size, whichever is larger", statedShapeMayReplace: false)
    }

    /// Strides, dilations and pads (and a transposed convolution's output padding) of a
    /// sliding window are each at most twice the input's size along their axis, or the
    /// kernel's size when that is larger: real networks stay far below (a stride as large as
    /// the input already takes a single window), and a larger number is a broken or hostile
    /// file, refused rather than clamped into some shape.
    private static func checkWindow(input x: [Int], kernel k: [Int], strides s: [Int], dilations d: [Int],
                                    pads p: [Int]) throws {
        let n = x.count - 2
        for i in 0..<n {
            let size = x[i + 2]
            let (twice, overflow) = size.multipliedReportingOverflow(by: 2)
            let limit = max(overflow ? Int.max : twice, k[i], 1)
            var beyond: [String] = []
            if s[i] > limit { beyond.append("stride \(s[i])") }
            if d[i] > limit { beyond.append("dilation \(d[i])") }
            for pad in stride(from: i, to: p.count, by: n) where p[pad] > limit || p[pad] < 0 {
                beyond.append("pad \(p[pad])")
            }
            guard beyond.isEmpty else {
                throw Failure(message: "\(beyond.joined(separator: ", ")) along spatial axis \(i + 1) is beyond what the input "
                              + "allows: strides, dilations and pads may be at most twice the input size (\(size)) or the "
                              + "kernel size (\(k[i])), whichever is larger, and pads may not be negative",
                              statedShapeMayReplace: false)
            }
        }
    }

    /// Spatial output sizes of a sliding window (Conv, pools), with auto_pad.
    private func windowed(_ x: [Int], kernel k: [Int], attrs: [String: AttributeValue], ceil: Bool) throws -> [Int] {
        let n = x.count - 2
        let s = try Self.windowInts(attrs, "strides", default: Array(repeating: 1, count: n))
        let d = try Self.windowInts(attrs, "dilations", default: Array(repeating: 1, count: n))
        var p = try Self.windowInts(attrs, "pads", default: Array(repeating: 0, count: 2 * n))
        guard k.count == n, s.count == n, d.count == n, p.count == 2 * n else {
            throw Failure(message: "kernel, strides, dilations or pads do not match the \(n) spatial dimensions")
        }
        guard k.allSatisfy({ $0 > 0 }), s.allSatisfy({ $0 > 0 }), d.allSatisfy({ $0 > 0 }) else {
            throw Failure(message: "kernel, strides and dilations must be positive")
        }
        try Self.checkWindow(input: x, kernel: k, strides: s, dilations: d, pads: p)
        if case .string(let mode)? = attrs["auto_pad"], mode == "SAME_UPPER" || mode == "SAME_LOWER" {
            return (0..<n).map { (x[$0 + 2] + s[$0] - 1) / s[$0] }
        } else if case .string(let mode)? = attrs["auto_pad"], mode == "VALID" {
            p = Array(repeating: 0, count: 2 * n)
        }
        return try (0..<n).map { i in
            let span = x[i + 2] + p[i] + p[i + n] - d[i] * (k[i] - 1) - 1
            guard span >= 0 else { throw Failure(message: "the window (\(k[i])) is larger than the padded input (\(x[i + 2]))") }
            return (ceil ? (span + s[i] - 1) / s[i] : span / s[i]) + 1
        }
    }
}
