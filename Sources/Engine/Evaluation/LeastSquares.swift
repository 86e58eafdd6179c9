/// A linear model fitted by least squares: `y ~ intercept + coefficients . x`.
///
/// Solved by Householder QR with column pivoting on the equilibrated design matrix
/// (each column scaled to unit norm), which stays accurate when features differ by
/// many orders of magnitude (FLOPs ~1e10 next to an intercept of 1) and copes with
/// rank deficiency: the op-count one-hots of each NAS-Bench-201 edge sum to the
/// intercept column, so only 25 of those 31 columns are independent. Columns found
/// dependent get coefficient 0 (a basic solution); the fitted values are the same
/// least-squares projection either way. Tiny problems (<= a few dozen columns), so
/// plain loops beat a LAPACK dependency here.
public struct LeastSquaresFit: Sendable, Equatable {
    public var coefficients: [Double]
    public var intercept: Double
    /// The numerical rank of the design matrix (intercept included when fitted).
    public var rank: Int

    public init(coefficients: [Double], intercept: Double, rank: Int) {
        self.coefficients = coefficients
        self.intercept = intercept
        self.rank = rank
    }

    public static func fit(rows: [[Double]], targets: [Double], intercept fitIntercept: Bool = true) throws -> LeastSquaresFit {
        guard !rows.isEmpty else { throw EvaluationError("least squares needs at least one sample") }
        guard rows.count == targets.count else {
            throw EvaluationError("\(rows.count) feature rows for \(targets.count) targets")
        }
        let featureCount = rows[0].count
        if let bad = rows.firstIndex(where: { $0.count != featureCount }) {
            throw EvaluationError("feature row \(bad + 1) has \(rows[bad].count) values, row 1 has \(featureCount)")
        }
        if let bad = rows.firstIndex(where: { !$0.allSatisfy(\.isFinite) }) {
            throw EvaluationError("feature row \(bad + 1) holds a value that is not a finite number")
        }
        if let bad = targets.firstIndex(where: { !$0.isFinite }) {
            throw EvaluationError("target \(bad + 1) is not a finite number")
        }
        let m = rows.count
        let p = featureCount + (fitIntercept ? 1 : 0)
        guard p > 0 else { throw EvaluationError("least squares needs at least one feature or an intercept") }

        // Column-major design matrix; the intercept, when fitted, is the last column.
        var a = [Double](repeating: 1, count: m * p)
        for (i, row) in rows.enumerated() {
            for j in 0..<featureCount { a[j * m + i] = row[j] }
        }
        var scale = [Double](repeating: 1, count: p)
        for j in 0..<p {
            var norm = 0.0
            for i in 0..<m { norm += a[j * m + i] * a[j * m + i] }
            norm = norm.squareRoot()
            scale[j] = norm > 0 ? norm : 1
            for i in 0..<m { a[j * m + i] /= scale[j] }
        }

        let solution = solvePivotedQR(a: &a, b: targets, m: m, p: p)
        let unscaled = (0..<p).map { solution.x[$0] / scale[$0] }
        return LeastSquaresFit(coefficients: Array(unscaled.prefix(featureCount)),
                               intercept: fitIntercept ? unscaled[p - 1] : 0,
                               rank: solution.rank)
    }

    public func predict(_ row: [Double]) -> Double {
        precondition(row.count == coefficients.count, "feature row has the wrong length")
        var sum = intercept
        for j in row.indices { sum += coefficients[j] * row[j] }
        return sum
    }

    public func predict(rows: [[Double]]) -> [Double] { rows.map(predict) }

    /// Minimises |A x - b| for column-major `a` (m x p, overwritten).
    private static func solvePivotedQR(a: inout [Double], b: [Double], m: Int, p: Int) -> (x: [Double], rank: Int) {
        var b = b
        var permutation = Array(0..<p)
        let steps = min(m, p)
        var rank = 0
        for k in 0..<steps {
            // Pivot: the remaining column with the largest norm below row k.
            var best = k, bestNorm = -1.0
            for j in k..<p {
                var norm = 0.0
                for i in k..<m { norm += a[j * m + i] * a[j * m + i] }
                if norm > bestNorm { bestNorm = norm; best = j }
            }
            let columnNorm = bestNorm.squareRoot()
            // Columns are unit norm, so an absolute tolerance is a relative one.
            if columnNorm <= 1e-10 * Double(max(m, p)).squareRoot() { break }
            if best != k {
                for i in 0..<m { a.swapAt(best * m + i, k * m + i) }
                permutation.swapAt(best, k)
            }
            // Householder reflector v = x + sign(x0)|x| e0, applied as I - 2 v v^T / v^T v.
            let alpha = a[k * m + k] >= 0 ? -columnNorm : columnNorm
            var v = [Double](repeating: 0, count: m - k)
            for i in k..<m { v[i - k] = a[k * m + i] }
            v[0] -= alpha
            var vv = 0.0
            for value in v { vv += value * value }
            if vv > 0 {
                for j in k..<p {
                    var dot = 0.0
                    for i in k..<m { dot += v[i - k] * a[j * m + i] }
                    let factor = 2 * dot / vv
                    for i in k..<m { a[j * m + i] -= factor * v[i - k] }
                }
                var dot = 0.0
                for i in k..<m { dot += v[i - k] * b[i] }
                let factor = 2 * dot / vv
                for i in k..<m { b[i] -= factor * v[i - k] }
            }
            rank += 1
        }
        // Back substitution on the leading rank x rank block of R.
        var z = [Double](repeating: 0, count: p)
        for k in stride(from: rank - 1, through: 0, by: -1) {
            var sum = b[k]
            for j in (k + 1)..<rank { sum -= a[j * m + k] * z[j] }
            z[k] = sum / a[k * m + k]
        }
        var x = [Double](repeating: 0, count: p)
        for k in 0..<p { x[permutation[k]] = z[k] }
        return (x, rank)
    }
}
