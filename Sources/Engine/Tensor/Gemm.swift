import CBLAS

/// Row-major single-precision GEMM: C = alpha * op(A) op(B) + beta * C, with op(A) m x k
/// and op(B) k x n. Every dense and grouped linear of the model goes through here.
@inline(__always)
func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        // BLAS leaves C untouched for k == 0 only when beta == 1; keep the contract.
        if beta != 1 { for r in 0..<m { for j in 0..<n { c[r * ldc + j] *= beta } } }
        return
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Row-major single-precision matrix-vector product: y = A x + beta * y, A rows x columns.
@inline(__always)
func sgemv(rows: Int, columns: Int, a: UnsafePointer<Float>, x: UnsafePointer<Float>, beta: Float,
           y: UnsafeMutablePointer<Float>) {
    guard rows > 0 else { return }
    if columns == 0 {
        if beta != 1 { for r in 0..<rows { y[r] *= beta } }
        return
    }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(columns), 1, a, Int32(columns), x, 1, beta, y, 1)
}

/// Thread count of OpenBLAS for this process (our own loops stay single-threaded).
public enum BLASThreads {
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }
    public static var current: Int { Int(openblas_get_num_threads()) }
}
