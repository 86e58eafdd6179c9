import Foundation

/// The `costs` whole-network tokens: 8 per-node cost columns in front of the 152 baseline
/// columns, and log-scaled network totals as the static features.
///
/// Why: latency is close to a sum over nodes of per-node costs that depend on the op, its
/// FLOPs and the memory it moves (a depthwise conv runs far below a dense conv's FLOP
/// rate). The baseline tokens carry no per-node size at all, and its static features are
/// PE_5 of raw GFLOPs, which is nearly constant over this data. Sizes are encoded as
/// `ln(1 + v) / logScale` so values spanning ten orders of magnitude land in [0, 2.5].
///
/// Columns 0 and 1 (log FLOPs, log memory moved) are the ones `NodeCostReadout` turns back
/// into linear costs, so their position and scale are part of that readout's contract.
public enum CostTokenizer {
    public static let costColumns = 8
    public static let tokenDim = costColumns + BaselineTokenizer.tokenDim
    public static let staticDim = 8
    /// Divisor of every `ln(1 + v)` column.
    public static let logScale: Float = 10
    /// Column of `ln(1 + FLOPs) / logScale`.
    public static let flopsColumn = 0
    /// Column of `ln(1 + elements read and written) / logScale`.
    public static let memoryColumn = 1
    /// Column of `ln(1 + parameters) / logScale`.
    static let paramsColumn = 2
    /// Column of the depthwise flag (1 for a depthwise convolution).
    package static let depthwiseColumn = 5
    /// Column of the arithmetic intensity (`intensity(flops:moved:)`).
    static let intensityColumn = 7
    /// Static features holding the log-scaled parameter and moved-element totals.
    static let paramsStatic = 2, movedStatic = 5

    static func logScaled(_ v: Double) -> Float { Float(Foundation.log1p(max(0, v))) / logScale }

    static func encode(_ graph: NetworkGraph, nodeCosts: [NodeCost], totals: NodeCost, batchSize: Int) -> TokenGraph {
        let base = BaselineTokenizer.encode(graph, totals: totals, batchSize: batchSize)
        let n = graph.nodes.count, width = tokenDim, baseWidth = BaselineTokenizer.tokenDim
        var tokens = [Float](repeating: 0, count: n * width)
        var movedTotal = 0.0
        tokens.withUnsafeMutableBufferPointer { out in
            base.tokens.withUnsafeBufferPointer { inp in
                for (i, node) in graph.nodes.enumerated() {
                    let row = i * width
                    let cost = i < nodeCosts.count ? nodeCosts[i] : NodeCost()
                    let moved = memoryMoved(node)
                    movedTotal += moved
                    out[row + flopsColumn] = logScaled(cost.flops)
                    out[row + memoryColumn] = logScaled(moved)
                    out[row + paramsColumn] = logScaled(cost.params)
                    out[row + 3] = logScaled(Double(ShapeInference.elements(node.inputShapes.first ?? [])))
                    out[row + 4] = logScaled(Double(ShapeInference.elements(node.outputShape)))
                    let (depthwise, groupRatio) = grouping(node)
                    out[row + depthwiseColumn] = depthwise ? 1 : 0
                    out[row + 6] = groupRatio
                    out[row + intensityColumn] = intensity(flops: cost.flops, moved: moved)
                    (out.baseAddress! + row + costColumns).update(from: inp.baseAddress! + i * baseWidth, count: baseWidth)
                }
            }
        }
        let statics: [Float] = [
            Float(Foundation.log(Double(max(batchSize, 1)))) / 5, logScaled(totals.flops), logScaled(totals.params),
            logScaled(totals.memoryAccess), logScaled(Double(n)), logScaled(movedTotal), 0, 0,
        ]
        return TokenGraph(nodeCount: n, tokenDim: width, tokens: tokens, edges: base.edges, staticFeatures: statics)
    }

    /// Arithmetic intensity (FLOPs per element moved), which decides compute- vs memory-bound.
    static func intensity(flops: Double, moved: Double) -> Float { Float(Foundation.log1p(flops / (1 + moved))) / 5 }

    /// Elements an executed node reads and writes (weights included: they are inputs);
    /// graph inputs, initializers and constants execute nothing and move nothing.
    static func memoryMoved(_ node: NetworkNode) -> Double {
        guard node.op != "Input" else { return 0 }
        let read = node.inputShapes.reduce(0.0) { $0 + Double(ShapeInference.elements($1)) }
        let written = node.outputShapes.reduce(0.0) { $0 + Double(ShapeInference.elements($1)) }
        return read + written
    }

    /// Whether a Conv is depthwise (one group per input channel) and its groups per input channel.
    static func grouping(_ node: NetworkNode) -> (depthwise: Bool, ratio: Float) {
        guard node.op == "Conv" || node.op == "ConvTranspose", let input = node.inputShapes.first, input.count > 1,
              input[1] > 0 else { return (false, 0) }
        let group = max(node.attributes["group"]?.asInt ?? 1, 1)
        return (group > 1 && group == input[1], Float(group) / Float(input[1]))
    }
}
