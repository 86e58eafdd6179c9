/// One spelling of an op's attributes: a default written out and a default left out are the
/// same, and so are axis -1 and axis rank-1.
///
/// Why: torch's default exporter writes `auto_pad: NOTSET`, `group: 1` and Softmax's axis as
/// -1, its TorchScript exporter leaves defaults out and writes the axis as a count from the
/// front; opset 13 changed Softmax's default axis. The canonical graph must not see it.
enum CanonicalAttributes {
    /// Attribute values that mean the same as leaving the attribute out, per op.
    static let defaults: [String: [String: AttributeValue]] = {
        let pool: [String: AttributeValue] = ["auto_pad": .string("NOTSET"), "ceil_mode": .int(0), "storage_order": .int(0),
                                             "count_include_pad": .int(0)]
        let reduce: [String: AttributeValue] = ["keepdims": .int(1), "noop_with_empty_axes": .int(0)]
        var table: [String: [String: AttributeValue]] = [
            "Conv": ["auto_pad": .string("NOTSET"), "group": .int(1)],
            "ConvTranspose": ["auto_pad": .string("NOTSET"), "group": .int(1)],
            "MaxPool": pool, "AveragePool": pool, "LpPool": pool,
            "Gemm": ["alpha": .float(1), "beta": .float(1), "transA": .int(0), "transB": .int(0)],
            "Pad": ["mode": .string("constant")],
            "Gelu": ["approximate": .string("none")],
            "LayerNormalization": ["epsilon": .float(1e-5), "stash_type": .int(1)],
            "Gather": ["axis": .int(0)],
            "Concat": [:],
            "LeakyRelu": ["alpha": .float(0.01)],
            "Elu": ["alpha": .float(1)],
            "HardSigmoid": ["alpha": .float(0.2), "beta": .float(0.5)],
            "BatchNormalization": ["epsilon": .float(1e-5), "momentum": .float(0.9), "training_mode": .int(0)],
            "Resize": ["mode": .string("nearest"), "coordinate_transformation_mode": .string("half_pixel"),
                       "nearest_mode": .string("round_prefer_floor"), "exclude_outside": .int(0),
                       "cubic_coeff_a": .float(-0.75), "extrapolation_value": .float(0)],
        ]
        for op in ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                   "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"] { table[op] = reduce }
        return table
    }()

    /// Ops whose `axis` counts from the back when negative, with the default when absent.
    static func defaultAxis(_ op: String, opset: Int) -> Int? {
        switch op {
        case "Softmax", "LogSoftmax", "Hardmax": return opset < 13 ? 1 : -1
        case "LayerNormalization": return -1
        case "Gather", "GatherElements", "Concat", "Split", "Flatten", "CumSum", "ArgMax", "ArgMin": return nil
        default: return nil
        }
    }

    static let axisOps: Set<String> = ["Softmax", "LogSoftmax", "Hardmax", "LayerNormalization", "Gather",
                                       "GatherElements", "Concat", "Split", "Flatten", "ArgMax", "ArgMin"]
    static let axesOps: Set<String> = ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                                       "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "Squeeze"]

    /// `node`'s attributes in the one spelling; `rank` gives that of the tensor its axes
    /// count in (asked only of ops with an axis or axes).
    static func normalise(_ node: RawNode, rank: () -> Int?, opset: Int) -> [String: AttributeValue] {
        let hasAxis = axisOps.contains(node.op)
        // Nothing to fill in, drop or count from the front (most nodes: Add, MatMul, ...).
        if node.attributes.isEmpty && !hasAxis { return node.attributes }
        var a = node.attributes
        if hasAxis {
            if a["axis"] == nil, let d = defaultAxis(node.op, opset: opset) { a["axis"] = .int(d) }
            if let axis = a["axis"]?.asInt, axis < 0, let rank = rank() { a["axis"] = .int(axis + rank) }
        }
        if axesOps.contains(node.op), let axes = a["axes"]?.asInts, let rank = rank() {
            a["axes"] = .ints(axes.map { $0 < 0 ? $0 + rank : $0 }.sorted())
        }
        for (key, value) in defaults[node.op] ?? [:] where a[key] == value { a[key] = nil }
        // Unit strides and dilations, zero pads: what the absent attribute means.
        // (Over the node's few attributes rather than three look-ups by name.)
        for (key, value) in a {
            switch key {
            case "strides", "dilations": if value.asInts?.allSatisfy({ $0 == 1 }) == true { a[key] = nil }
            case "pads": if node.op != "Pad", value.asInts?.allSatisfy({ $0 == 0 }) == true { a[key] = nil }
            default: break
            }
        }
        return a
    }
}
