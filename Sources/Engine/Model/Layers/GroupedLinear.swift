/// Grouped linear without shuffle: the input row is cut into g chunks and chunk k is
/// multiplied by its own [in/g, out/g] matrix (weight stored [g, in/g, out/g], applied
/// as x_k @ W_k, bias [g, out/g]). One GEMM per group over all rows of the batch; the
/// per-chunk LayerNorm that follows is `LayerNorm` on rows * g rows of width out/g.
enum GroupedLinear {
    static func forward(x: UnsafePointer<Float>, rows: Int, inDim: Int, outDim: Int, groups: Int,
                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        y: UnsafeMutablePointer<Float>) {
        let gi = inDim / groups, go = outDim / groups
        // Without a bias (inference adds it in the LayerNorm pass that follows) y is
        // written, not read: one pass over the widest activation less.
        if let bias { for r in 0..<rows { (y + r * outDim).update(from: bias, count: outDim) } }
        for k in 0..<groups {
            sgemm(transA: false, transB: false, m: rows, n: go, k: gi, a: x + k * gi, lda: inDim,
                  b: weight + k * gi * go, ldb: go, beta: bias == nil ? 0 : 1, c: y + k * go, ldc: outDim)
        }
    }

    static func backward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, inDim: Int, outDim: Int,
                         groups: Int, weight: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                         dBias: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?) {
        let gi = inDim / groups, go = outDim / groups
        addColumnSums(of: dy, rows: rows, width: outDim, into: dBias)
        for k in 0..<groups {
            sgemm(transA: true, transB: false, m: gi, n: go, k: rows, a: x + k * gi, lda: inDim,
                  b: dy + k * go, ldb: outDim, beta: 1, c: dWeight + k * gi * go, ldc: go)
            if let dx {
                sgemm(transA: false, transB: true, m: rows, n: gi, k: go, a: dy + k * go, lda: outDim,
                      b: weight + k * gi * go, ldb: go, beta: 0, c: dx + k * gi, ldc: inDim)
            }
        }
    }
}
