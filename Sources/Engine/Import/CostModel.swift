/// FLOPs (2 x multiply-adds), parameters and memory access of one node or a network,
/// as the authors count them (Tests/EngineTests/Fixtures/tokens/README.md).
public struct NodeCost: Sendable, Hashable, Codable {
    public var flops: Double
    public var params: Double
    public var memoryAccess: Double

    public init(flops: Double = 0, params: Double = 0, memoryAccess: Double = 0) {
        self.flops = flops
        self.params = params
        self.memoryAccess = memoryAccess
    }

    public static func + (l: NodeCost, r: NodeCost) -> NodeCost {
        NodeCost(flops: l.flops + r.flops, params: l.params + r.params, memoryAccess: l.memoryAccess + r.memoryAccess)
    }
}

/// The authors' cost table. One deliberate difference: they leave the batch out of the
/// FLOPs of Conv, ConvTranspose, Gemm and the pools but keep it for elementwise ops;
/// we count every op for the whole batch, so at batch 1 the totals agree and at
/// batch B our Conv/Gemm/pool FLOPs are B times theirs.
enum CostModel {
    /// The ops of the authors' table. Every node gets a memory figure, but only these
    /// count toward the network totals (Identity, HardSigmoid, Constant and unknown ops
    /// add nothing there), which is what their totals show.
    static let countedOps: Set<String> = Set([
        "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization", "Add", "Mul", "Sub", "Div",
        "Sigmoid", "Pow", "Sqrt", "Tanh", "ReduceMean", "GlobalAveragePool", "AveragePool", "Relu",
        "MaxPool", "Reshape", "Flatten", "Concat", "Split", "Transpose", "Slice", "Cast", "Clip",
    ]).union(AttentionAndQuantizedCosts.countedOps)

    static func totals(_ graph: NetworkGraph, _ costs: [NodeCost]) -> NodeCost {
        var t = NodeCost()
        for (node, c) in zip(graph.nodes, costs) where countedOps.contains(node.op) { t = t + c }
        return t
    }

    static func cost(of node: NetworkNode) -> NodeCost {
        let out = Double(ShapeInference.elements(node.outputShape))
        let allOutputs = node.outputShapes.reduce(0.0) { $0 + Double(ShapeInference.elements($1)) }
        let input = node.inputShapes.first ?? []
        var flops = 0.0
        var params = 0.0
        switch node.op {
        case "Input":
            return NodeCost(memoryAccess: node.origin == .operation ? allOutputs : 0)
        case "Conv", "ConvTranspose":
            if node.inputShapes.count >= 2, input.count >= 2 {
                let w = node.inputShapes[1]
                let group = Double(max(node.attributes["group"]?.asInt ?? 1, 1))
                let ci = Double(input[1])
                let kernel = Double(ShapeInference.elements(Array(w.dropFirst(2))))
                let bias = node.hasBias ? 1.0 : 0.0
                let co = Double(node.outputShape.count > 1 ? node.outputShape[1] : 0)
                let perOutput = 2 * ci / group * kernel - 1 + bias
                flops = out * perOutput
                params = co * (ci / group * kernel + bias)
            }
        case "Gemm":
            if let ci = input.last, let co = node.outputShape.last {
                let transA = (node.attributes["transA"]?.asInt ?? 0) != 0
                let k = Double(transA ? input.first ?? ci : ci)
                let bias = node.hasBias ? 1.0 : 0.0
                flops = out * (2 * k - 1 + bias)
                params = Double(co) * (k + bias)
            }
        case "MatMul":
            if let k = input.last { flops = out * (2 * Double(k) - 1) }
        case "BatchNormalization":
            flops = 4 * Double(ShapeInference.elements(input))
            params = input.count > 1 ? 4 * Double(input[1]) : 0
        case "Add", "Mul", "Sub", "Div", "Sigmoid", "Pow", "Sqrt", "Tanh", "ReduceMean":
            flops = out
        case "GlobalAveragePool":
            // The authors' "kernel area" of a global pool is the input height alone
            // (ResNet-18: 512 x 7, not 512 x 49); kept for parity.
            flops = out * Double(input.count > 2 ? input[2] : 1)
        case "AveragePool":
            let kernel = node.attributes["kernel_shape"]?.asInts ?? []
            flops = out * Double(ShapeInference.elements(kernel))
        default:
            // Ops outside the authors' table (none occurs in data/latency, so the shipped
            // models' tokens do not change): attention, recurrent and quantized ops.
            if let c = AttentionAndQuantizedCosts.cost(of: node) { (flops, params) = c }
        }
        return NodeCost(flops: flops, params: params, memoryAccess: allOutputs + params)
    }
}
