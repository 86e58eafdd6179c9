/// Dense linear layer on row-major activations, weight stored [out, in] as in torch:
/// y = x W^T + b over all `rows` of a packed batch in one GEMM.
enum Linear {
    static func forward(x: UnsafePointer<Float>, rows: Int, inDim: Int,
                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outDim: Int,
                        y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        if rows == 1 {
            // One row (the head at batch 1): a matrix-vector product streams the weight
            // once; sgemm would pack it first for a single row.
            if let bias, !accumulate { y.update(from: bias, count: outDim) }
            sgemv(rows: outDim, columns: inDim, a: weight, x: x, beta: accumulate || bias != nil ? 1 : 0, y: y)
            if let bias, accumulate { addRowVector(bias, to: y, rows: 1, width: outDim) }
            return
        }
        if let bias, !accumulate {
            for r in 0..<rows { (y + r * outDim).update(from: bias, count: outDim) }
            sgemm(transA: false, transB: true, m: rows, n: outDim, k: inDim, a: x, lda: inDim,
                  b: weight, ldb: inDim, beta: 1, c: y, ldc: outDim)
        } else {
            sgemm(transA: false, transB: true, m: rows, n: outDim, k: inDim, a: x, lda: inDim,
                  b: weight, ldb: inDim, beta: accumulate ? 1 : 0, c: y, ldc: outDim)
            if let bias { addRowVector(bias, to: y, rows: rows, width: outDim) }
        }
    }

    /// Accumulates dW and db; writes (or adds to, when `accumulateInput`) dx if given.
    static func backward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, inDim: Int, outDim: Int,
                         weight: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                         dBias: UnsafeMutablePointer<Float>?,
                         dx: UnsafeMutablePointer<Float>?, accumulateInput: Bool = false) {
        sgemm(transA: true, transB: false, m: outDim, n: inDim, k: rows, a: dy, lda: outDim,
              b: x, ldb: inDim, beta: 1, c: dWeight, ldc: inDim)
        if let dBias { addColumnSums(of: dy, rows: rows, width: outDim, into: dBias) }
        if let dx {
            sgemm(transA: false, transB: false, m: rows, n: inDim, k: outDim, a: dy, lda: outDim,
                  b: weight, ldb: inDim, beta: accumulateInput ? 1 : 0, c: dx, ldc: inDim)
        }
    }
}

@inline(__always)
func addRowVector(_ v: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
    for r in 0..<rows { Elementwise.add(v, to: y + r * width, count: width) }
}

@inline(__always)
func addColumnSums(of m: UnsafePointer<Float>, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
    for r in 0..<rows { Elementwise.add(m + r * width, to: out, count: width) }
}
