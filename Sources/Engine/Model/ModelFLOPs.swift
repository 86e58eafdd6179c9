/// Analytic FLOP count of one pass over a packed batch, the yardstick the benchmark
/// divides by time. Counted: every GEMM as 2*M*N*K (grouped linears as g GEMMs of
/// (in/g) x (out/g)) and the edge-wise attention as 2*E*din for the scores plus 2*E*din
/// for the messages, E the directed edges. Not counted: pointwise work (LayerNorm,
/// sigmoid, ReLU, L2 norm, readouts), which is O(N*d) against the GEMMs' O(N*d^2).
/// Backward is counted as twice the forward (input and weight gradients of every GEMM;
/// the attention backward does dp, dx and two dq terms, 8*E*din).
public enum ModelFLOPs {
    public static func forward(config c: ModelConfig, nodes n: Int, directedEdges e: Int, graphs b: Int) -> Double {
        let n = Double(n), e = Double(e), b = Double(b)
        let d = Double(c.hidden), f = d * Double(c.ffnRatio), g = Double(c.groups), fc = Double(c.fcHidden)
        var total = 0.0
        for l in 0..<c.layers {
            let din = Double(l == 0 ? c.inDim : c.hidden)
            total += 2 * n * din * din          // qk
            total += 2 * 2 * n * din * d        // agg + root
            total += 2 * 2 * n * d * f / g      // grouped up + down
            total += 4 * e * din                // edge scores + messages
        }
        let features: Double
        switch c.kind {
        case .latency:
            total += 2 * b * Double(c.staticDim) * d
            features = 2 * d
        case .accuracy:
            let l = Double(c.layers), fh = Double(c.fusionHidden)
            total += 2 * b * l * d * fh + 2 * b * fh * l + 2 * b * l * d
            features = d
        }
        total += 2 * b * (features * fc + fc * fc + fc)
        return total
    }

    /// Forward + backward.
    public static func training(config: ModelConfig, nodes: Int, directedEdges: Int, graphs: Int) -> Double {
        3 * forward(config: config, nodes: nodes, directedEdges: directedEdges, graphs: graphs)
    }
}
