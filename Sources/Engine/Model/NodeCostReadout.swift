import Foundation

/// A readout shaped like the physics of whole-network latency (not the paper's head):
/// each node contributes `exp(ln FLOPs_i + s_i0) + exp(ln memory_i + s_i1) + exp(s_i2)`
/// (a compute term, a memory term and a fixed overhead, each divided by a learned rate),
/// and a graph's prediction is the sum of its nodes' contributions, in linear space.
/// The log-rates `s_i = W h_i + U x_i + b` come from the last block's node state `h_i`
/// (the node in its context) and the node's own token `x_i` (op type, sizes). Costs
/// enter with a fixed coefficient of 1, so the network learns only rates, which vary over
/// a few units, instead of magnitudes spanning ten orders.
///
/// The cost columns are the `costs` encoding's (`CostTokenizer`): `ln(1 + v) / logScale`.
package enum NodeCostReadout {
    /// Terms per node: compute, memory, overhead.
    static let terms = 3
    /// Token columns holding the compute and memory log-costs.
    static let costColumns = [CostTokenizer.flopsColumn, CostTokenizer.memoryColumn]
    /// An exponent cap so a wild early step gives a large finite loss, not infinity.
    static let maxExponent: Float = 80

    /// Writes the per-node terms (`rows` x 3) into `terms` and one prediction per graph
    /// (graph g owns rows `offsets[g]..<offsets[g + 1]`) into `predictions`.
    static func forward(h: UnsafePointer<Float>, tokens: UnsafePointer<Float>, rows: Int, hidden: Int, tokenDim: Int,
                        weight: UnsafePointer<Float>, tokenWeight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                        offsets: [Int], terms e: UnsafeMutablePointer<Float>, predictions: UnsafeMutablePointer<Float>) {
        let k = terms
        Linear.forward(x: h, rows: rows, inDim: hidden, weight: weight, bias: bias, outDim: k, y: e)
        Linear.forward(x: tokens, rows: rows, inDim: tokenDim, weight: tokenWeight, bias: nil, outDim: k, y: e,
                       accumulate: true)
        let scale = CostTokenizer.logScale
        for i in 0..<rows {
            let t = tokens + i * tokenDim, r = e + i * k
            r[0] = Foundation.exp(min(r[0] + scale * t[costColumns[0]], maxExponent))
            r[1] = Foundation.exp(min(r[1] + scale * t[costColumns[1]], maxExponent))
            r[2] = Foundation.exp(min(r[2], maxExponent))
        }
        for g in 0..<(offsets.count - 1) {
            var sum: Float = 0
            for i in offsets[g]..<offsets[g + 1] { sum += e[i * k] + e[i * k + 1] + e[i * k + 2] }
            predictions[g] = sum
        }
    }

    /// Accumulates dW, dU and db, and writes d loss / d h into `dh`, given d loss / d
    /// prediction per graph and the terms of `forward`. `scratch` holds `rows` x 3.
    static func backward(dPrediction: UnsafePointer<Float>, h: UnsafePointer<Float>, tokens: UnsafePointer<Float>,
                         rows: Int, hidden: Int, tokenDim: Int, weight: UnsafePointer<Float>, offsets: [Int],
                         terms e: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                         dTokenWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
                         dh: UnsafeMutablePointer<Float>, scratch ds: UnsafeMutablePointer<Float>) {
        let k = terms
        for g in 0..<(offsets.count - 1) {
            let dp = dPrediction[g]
            for i in (offsets[g] * k)..<(offsets[g + 1] * k) { ds[i] = dp * e[i] }
        }
        Linear.backward(dy: ds, x: h, rows: rows, inDim: hidden, outDim: k, weight: weight, dWeight: dWeight,
                        dBias: dBias, dx: dh)
        // Tokens are inputs: no dx, so the weight argument is never read.
        Linear.backward(dy: ds, x: tokens, rows: rows, inDim: tokenDim, outDim: k, weight: weight,
                        dWeight: dTokenWeight, dBias: nil, dx: nil)
    }

    /// Biases that make a fresh model start as the roofline `t ~ a F + b M + c N` fitted to
    /// the training targets `t` (F, M: a graph's FLOPs and memory from the cost columns,
    /// N: its nodes) by least squares on the relative error, each coefficient kept
    /// positive: b = (ln a, ln b, ln c). The rates then only learn corrections to it.
    static func calibratedBias(graphs: [TokenGraph], targets: [Double]) throws -> [Float] {
        let rows = graphs.map(rooflineFeatures)
        let coefficients = try rooflineFit(rows: rows, targets: targets)
        let meanTarget = targets.reduce(0, +) / Double(max(targets.count, 1))
        return (0..<terms).map { j in
            if coefficients[j] > 0 { return Float(Foundation.log(coefficients[j])) }
            // A dropped term starts at 1% of what would explain the mean target alone, so
            // its gradient is not zero and it can still grow.
            let meanFeature = rows.reduce(0) { $0 + $1[j] } / Double(max(rows.count, 1))
            return Float(Foundation.log(0.01 * meanTarget / max(meanFeature, 1e-30)))
        }
    }

    /// A graph's roofline features (F, M, N): the sums of its nodes' FLOPs and memory, as
    /// the cost columns hold them, and its node count.
    package static func rooflineFeatures(_ graph: TokenGraph) -> [Double] {
        let scale = Double(CostTokenizer.logScale)
        var f = 0.0, m = 0.0
        for i in 0..<graph.nodeCount {
            f += Foundation.exp(scale * Double(graph.tokens[i * graph.tokenDim + costColumns[0]]))
            m += Foundation.exp(scale * Double(graph.tokens[i * graph.tokenDim + costColumns[1]]))
        }
        return [f, m, Double(graph.nodeCount)]
    }

    /// The roofline `t ~ a F + b M + c N` fitted by least squares on the relative error with
    /// every coefficient kept positive: (a, b, c), 0 for a dropped term.
    package static func rooflineFit(rows: [[Double]], targets: [Double]) throws -> [Double] {
        var active = [0, 1, 2]
        var coefficients = [Double](repeating: 0, count: terms)
        // Drop features whose coefficient comes out negative (collinear FLOPs and memory)
        // and refit: a non-negative least squares small enough to do by elimination.
        while !active.isEmpty {
            let weighted = zip(rows, targets).map { row, t in active.map { row[$0] / t } }
            let fit = try LeastSquaresFit.fit(rows: weighted, targets: Array(repeating: 1, count: targets.count),
                                              intercept: false)
            if let worst = fit.coefficients.indices.min(by: { fit.coefficients[$0] < fit.coefficients[$1] }),
               !(fit.coefficients[worst] > 0) {
                active.remove(at: worst)
                continue
            }
            for (j, c) in zip(active, fit.coefficients) { coefficients[j] = c }
            break
        }
        return coefficients
    }
}
