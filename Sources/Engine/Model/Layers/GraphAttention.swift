/// Graph-aided linear attention, edge-wise: s_ij = q_i . q_j / sqrt(din) only on the
/// (symmetric) edges of the packed batch, p_ij = s_ij / (sum_j s_ij + 1e-6), and
/// m_i = sum_j p_ij x_j. Cost O(E x din); no N x N matrix is ever formed.
enum GraphAttention {
    static let eps: Float = 1e-6

    /// Writes the raw scores per directed edge, 1 / (rowsum + eps) per node, and m.
    static func forward(q: UnsafePointer<Float>, x: UnsafePointer<Float>, graph: PackedBatch.Adjacency,
                        rows: Int, width: Int, score: UnsafeMutablePointer<Float>,
                        rowScale: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(width).squareRoot()
        for i in 0..<rows {
            let qi = q + i * width, mi = m + i * width
            var sum: Float = 0
            for e in graph.rowStart[i]..<graph.rowStart[i + 1] {
                let qj = q + Int(graph.column[e]) * width
                let s = VectorReductions.dot(qi, qj, width) * scale
                score[e] = s
                sum += s
            }
            let inv = 1 / (sum + eps)
            rowScale[i] = inv
            mi.update(repeating: 0, count: width)
            for e in graph.rowStart[i]..<graph.rowStart[i + 1] {
                let p = score[e] * inv
                let xj = x + Int(graph.column[e]) * width
                addScaled(p, xj, to: mi, count: width)
            }
        }
    }

    /// Adds to dx (through m = P x) and writes dq. `edgeScratch` holds one float per edge.
    static func backward(dm: UnsafePointer<Float>, q: UnsafePointer<Float>, x: UnsafePointer<Float>,
                         graph: PackedBatch.Adjacency, rows: Int, width: Int,
                         score: UnsafePointer<Float>, rowScale: UnsafePointer<Float>,
                         edgeScratch dp: UnsafeMutablePointer<Float>,
                         dx: UnsafeMutablePointer<Float>, dq: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(width).squareRoot()
        dq.update(repeating: 0, count: rows * width)
        for i in 0..<rows {
            let dmi = dm + i * width, qi = q + i * width, dqi = dq + i * width
            let inv = rowScale[i]
            var weighted: Float = 0
            for e in graph.rowStart[i]..<graph.rowStart[i + 1] {
                let j = Int(graph.column[e])
                let xj = x + j * width, dxj = dx + j * width
                let p = score[e] * inv
                let dot = VectorReductions.dot(dmi, xj, width)
                addScaled(p, dmi, to: dxj, count: width)
                dp[e] = dot
                weighted += dot * p
            }
            for e in graph.rowStart[i]..<graph.rowStart[i + 1] {
                let j = Int(graph.column[e])
                let ds = (dp[e] - weighted) * inv * scale
                // Column by column as dqi[c] += ds qj[c]; dqj[c] += ds qi[c] (the same
                // values even where i == j).
                addScaled(ds, q + j * width, to: dqi, count: width)
                addScaled(ds, qi, to: dq + j * width, count: width)
            }
        }
    }

    /// y += a * x, sixteen lanes at a time (the compiler cannot rule out that y and x
    /// overlap, so it leaves the plain loop scalar).
    @inline(__always)
    static func addScaled(_ a: Float, _ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count: Int) {
        let aV = SIMD16<Float>(repeating: a)
        var c = RowBlocks.forEach(count) { c, half in
            (SIMD16(y, at: c, half: half) + aV * SIMD16(x, at: c, half: half)).store(to: y, at: c, half: half)
        }
        while c < count { y[c] += a * x[c]; c += 1 }
    }
}
