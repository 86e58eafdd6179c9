import Foundation

/// One sgemm pair and one sgemv through OpenBLAS against plain loops in double precision.
/// Older OpenBLAS builds have computed wrong results with some kernel sets on some
/// processors; a wrong kernel is off by O(1), a right one by float rounding, so a loose
/// bound separates them without false alarms. About 1.3 million multiply-adds in all:
/// about a millisecond.
public struct BLASSelfCheck: Sendable, Codable, Equatable {
    /// Largest |BLAS - reference| divided by the bound for that element (<= 1 passes).
    public var worstError: Double
    /// Which product it was: "sgemm 35x29x41", "sgemm 100x72x136" or "sgemv 300x257".
    public var worstAt: String
    /// Whether the result was corrupted on purpose (`failureHookVariable`).
    public var forced: Bool
    public var seconds: Double

    public var passed: Bool { worstError <= 1 }

    /// Test hook, read only here: a count N makes the check fail (by corrupting one element
    /// of a BLAS result before it is compared) for the first N kernel sets checked in one
    /// start of the program. It never changes a product the engine computes.
    public static let failureHookVariable = "NARFORMER_TEST_BLAS_CHECK_FAILURES"

    /// Relative bound per element: float32 rounding over k terms is below k * 2^-24 of the
    /// sum of |a*b| (k <= 257 here: 1.5e-5); a wrong kernel misses by far more.
    static let relativeBound = 1e-4

    /// Runs the products with the kernels OpenBLAS has loaded. `forceFailure` corrupts the
    /// first sgemm's first element by 1 before the comparison.
    public static func run(forceFailure: Bool = false) -> BLASSelfCheck {
        let start = DispatchTime.now().uptimeNanoseconds
        var rng = SplitMix64(seed: 0x5EED_B1A5)
        var worst = (error: 0.0, at: "")
        func note(_ error: Double, _ label: String) { if error > worst.error || worst.at.isEmpty { worst = (error, label) } }

        // Two shapes: one small enough for OpenBLAS's small-matrix kernels where a set has
        // them, one that goes through packing; no side a multiple of the kernels' unroll, so
        // edge code runs as well. beta != 0 and alpha != 1 check the scaling paths.
        for (index, (m, n, k)) in [(35, 29, 41), (100, 72, 136)].enumerated() {
            let a = (0..<(m * k)).map { _ in rng.nextSymmetric(1) }
            let b = (0..<(k * n)).map { _ in rng.nextSymmetric(1) }
            let c0 = (0..<(m * n)).map { _ in rng.nextSymmetric(1) }
            let alpha: Float = 0.75, beta: Float = 0.5
            var c = c0
            sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: alpha, a: a, lda: k, b: b, ldb: n,
                  beta: beta, c: &c, ldc: n)
            if forceFailure && index == 0 { c[0] += 1 }
            var error = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0, magnitude = 0.0
                    for p in 0..<k {
                        let t = Double(a[i * k + p]) * Double(b[p * n + j])
                        sum += t
                        magnitude += abs(t)
                    }
                    let expected = Double(alpha) * sum + Double(beta) * Double(c0[i * n + j])
                    let bound = relativeBound * (Double(alpha) * magnitude + abs(Double(beta) * Double(c0[i * n + j]))) + 1e-30
                    error = max(error, abs(Double(c[i * n + j]) - expected) / bound)
                }
            }
            note(error.isNaN ? .infinity : error, "sgemm \(m)x\(n)x\(k)")
        }

        let rows = 300, columns = 257
        let a = (0..<(rows * columns)).map { _ in rng.nextSymmetric(1) }
        let x = (0..<columns).map { _ in rng.nextSymmetric(1) }
        let y0 = (0..<rows).map { _ in rng.nextSymmetric(1) }
        var y = y0
        sgemv(rows: rows, columns: columns, a: a, x: x, beta: 0.5, y: &y)
        var error = 0.0
        for r in 0..<rows {
            var sum = 0.0, magnitude = 0.0
            for j in 0..<columns {
                let t = Double(a[r * columns + j]) * Double(x[j])
                sum += t
                magnitude += abs(t)
            }
            let expected = sum + 0.5 * Double(y0[r])
            let bound = relativeBound * (magnitude + abs(0.5 * Double(y0[r]))) + 1e-30
            error = max(error, abs(Double(y[r]) - expected) / bound)
        }
        note(error.isNaN ? .infinity : error, "sgemv \(rows)x\(columns)")

        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return BLASSelfCheck(worstError: worst.error, worstAt: worst.at, forced: forceFailure, seconds: seconds)
    }

    /// "sgemm 35x29x41 off by 7.1e+03 times the rounding bound", for warnings.
    public var summary: String {
        let times = worstError.isFinite ? String(format: "%.1e", worstError) : "NaN/inf"
        return "\(worstAt) off by \(times) times the rounding bound" + (forced ? " (forced by \(Self.failureHookVariable))" : "")
    }
}
