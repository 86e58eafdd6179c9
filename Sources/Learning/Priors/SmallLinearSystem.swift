/// Dense solves of the tiny (25 x 25) systems of the cell-prior adaptation; plain loops,
/// as `LeastSquaresFit` does, because a LAPACK dependency for a 25 x 25 matrix is not
/// worth it.
enum SmallLinearSystem {
    struct Singular: Error, CustomStringConvertible {
        var description: String { "a linear system of the cell-prior adaptation is singular" }
    }

    /// x with `a` x = `b` (`a` row-major n x n), Gaussian elimination with partial pivoting.
    static func solve(_ a: [[Double]], _ b: [Double]) throws -> [Double] {
        let n = b.count
        var m = a
        var x = b
        for column in 0..<n {
            guard let pivot = (column..<n).max(by: { abs(m[$0][column]) < abs(m[$1][column]) }),
                  abs(m[pivot][column]) > 1e-300 else { throw Singular() }
            m.swapAt(column, pivot)
            x.swapAt(column, pivot)
            for row in (column + 1)..<n where m[row][column] != 0 {
                let factor = m[row][column] / m[column][column]
                for k in column..<n { m[row][k] -= factor * m[column][k] }
                x[row] -= factor * x[column]
            }
        }
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = x[row]
            for k in (row + 1)..<n { sum -= m[row][k] * x[k] }
            x[row] = sum / m[row][row]
        }
        return x
    }

    /// The inverse of `a` (n x n), column by column.
    static func inverse(_ a: [[Double]]) throws -> [[Double]] {
        let n = a.count
        var columns: [[Double]] = []
        for j in 0..<n {
            var unit = [Double](repeating: 0, count: n)
            unit[j] = 1
            columns.append(try solve(a, unit))
        }
        return (0..<n).map { i in (0..<n).map { j in columns[j][i] } }
    }
}
