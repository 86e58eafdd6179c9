import Foundation

/// The Cholesky factor of a symmetric positive definite matrix, `a = L Lᵀ`: the one
/// factorisation behind the rate correction's steps (a solve) and its evidence (a
/// log-determinant).
struct CholeskyFactor {
    let size: Int
    /// L, row-major; the upper triangle stays zero.
    private let lower: [Double]
    /// ln det a, summed from the squared pivots as they are found.
    let logDeterminant: Double

    /// Factors `a` (row-major, `size` x `size`); nil when it is not positive definite.
    init?(_ a: [Double], size n: Int) {
        var l = [Double](repeating: 0, count: n * n)
        var logDet = 0.0
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()
                    logDet += Foundation.log(sum)
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        size = n
        lower = l
        logDeterminant = logDet
    }

    /// x with `a x = b`: forward substitution with L, then backward with Lᵀ.
    func solve(_ b: [Double]) -> [Double] {
        let n = size
        var y = b
        for i in 0..<n {
            for k in 0..<i { y[i] -= lower[i * n + k] * y[k] }
            y[i] /= lower[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<n { y[i] -= lower[k * n + i] * y[k] }
            y[i] /= lower[i * n + i]
        }
        return y
    }
}
