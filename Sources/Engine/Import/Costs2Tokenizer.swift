/// The `costs2` whole-network tokens: the `costs` layout read over the canonical graph,
/// with a 72-slot op table in place of the authors' 32.
///
/// Why a new encoding and not the 4 unused baseline slots: the shipped latency model and
/// the parity fixtures read `costs-160` / `baseline-152` over the graph as the file states
/// it (Identity nodes included, as the authors' extraction has them); changing either
/// would change today's predictions. Four slots are also too few for LayerNormalization,
/// Gelu, Einsum, ScatterND and the six quantized ops. So `costs2` is what new models
/// select, and the old encodings stay byte for byte what they were.
///
/// Row: 8 cost columns (`CostTokenizer`'s, at the same positions, so `NodeCostReadout`
/// reads them), 72 op slots (`opSlots`), then the baseline's 80 attribute and 40 shape
/// columns. Static features: `CostTokenizer`'s 8.
///
/// The `costs3` tokens are the same layout with `Counts.canonical`: elements moved,
/// parameters and intensity as `CanonicalNodeCosts` counts them, a MatMul that is a linear
/// layer in Gemm's slot, and the statics' parameter and moved-element totals of those counts.
public enum Costs2Tokenizer {
    /// Whose memory and parameter counts the cost columns hold.
    enum Counts {
        /// `CostTokenizer`'s (the `costs2` tokens).
        case asCosts
        /// `CanonicalNodeCosts`' (the `costs3` tokens).
        case canonical
    }

    public static let opSlotCount = 72
    static let baseAttributesAndShape = BaselineTokenizer.tokenDim - 32
    public static let tokenDim = CostTokenizer.costColumns + opSlotCount + baseAttributesAndShape

    /// The authors' 28 ops in their positions, then the ops of attention-era, recurrent and
    /// quantized networks. Appending is safe; moving a slot changes what trained models read.
    static let opNames: [String] = [
        "Conv", "Relu", "Add", "Sigmoid", "Reshape", "MaxPool", "Split", "GlobalAveragePool", "Gemm", "Transpose",
        "Upsample", "BatchNormalization", "Mul", "Concat", "Flatten", "AveragePool", "Cast", "MatMul", "ReduceMean",
        "Pow", "Slice", "Div", "Sub", "Sqrt", "Clip", "Softmax", "Tanh", "ConvTranspose",
        // 28...
        "LayerNormalization", "Gelu", "Erf", "HardSwish", "HardSigmoid", "Einsum", "ScatterND", "Gather",
        "GatherElements", "Where", "Expand", "Pad", "ReduceSum", "ReduceMax", "Exp", "Resize",
        "LSTM", "GRU", "RNN", "TopK", "Range", "QuantizeLinear", "DequantizeLinear", "QLinearConv",
        "QLinearMatMul", "MatMulInteger", "ConvInteger", "DynamicQuantizeLinear", "Squeeze", "Unsqueeze",
        "GlobalMaxPool", "LeakyRelu", "InstanceNormalization", "GroupNormalization", "ConstantOfShape", "Equal",
        "Not", "Less", "Greater", "Neg", "ReduceL2", "Mod",
    ]
    static let opSlots: [String: Int] = Dictionary(uniqueKeysWithValues: opNames.enumerated().map { ($1, $0) })

    static func isKnown(_ op: String) -> Bool { opSlots[op] != nil || op == "Input" }

    static func encode(_ graph: NetworkGraph, nodeCosts: [NodeCost], totals: NodeCost, batchSize: Int,
                       counts: Counts) -> TokenGraph {
        let costs = CostTokenizer.encode(graph, nodeCosts: nodeCosts, totals: totals, batchSize: batchSize)
        let n = graph.nodes.count, width = tokenDim, from = costs.tokenDim
        let costColumns = CostTokenizer.costColumns
        var tokens = [Float](repeating: 0, count: n * width)
        var linearWeights = 0.0, movedTotal = 0.0
        tokens.withUnsafeMutableBufferPointer { out in
            costs.tokens.withUnsafeBufferPointer { inp in
                for (i, node) in graph.nodes.enumerated() {
                    let row = i * width, src = i * from
                    for k in 0..<costColumns { out[row + k] = inp[src + k] }
                    let attributes = src + costColumns + 32
                    for k in 0..<baseAttributesAndShape { out[row + costColumns + opSlotCount + k] = inp[attributes + k] }
                    var slot = opSlots[node.op]
                    if counts == .canonical {
                        let cost = i < nodeCosts.count ? nodeCosts[i] : NodeCost()
                        let moved = CanonicalNodeCosts.elementsMoved(node)
                        movedTotal += moved
                        out[row + CostTokenizer.memoryColumn] = CostTokenizer.logScaled(moved)
                        out[row + CostTokenizer.intensityColumn] = CostTokenizer.intensity(flops: cost.flops, moved: moved)
                        if let weight = CanonicalNodeCosts.linearWeight(node) {
                            linearWeights += weight
                            out[row + CostTokenizer.paramsColumn] = CostTokenizer.logScaled(cost.params + weight)
                            slot = opSlots["Gemm"]
                        }
                    }
                    if let slot { out[row + costColumns + slot] = 1 }
                }
            }
        }
        var statics = costs.staticFeatures
        if counts == .canonical {
            statics[CostTokenizer.paramsStatic] = CostTokenizer.logScaled(totals.params + linearWeights)
            statics[CostTokenizer.movedStatic] = CostTokenizer.logScaled(movedTotal)
        }
        return TokenGraph(nodeCount: n, tokenDim: width, tokens: tokens, edges: costs.edges, staticFeatures: statics)
    }
}
