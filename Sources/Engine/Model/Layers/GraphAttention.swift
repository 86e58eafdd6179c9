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
        edgeDots(q, q, graph: graph, width: width, scale: scale, into: score)
        graph.column.withUnsafeBufferPointer { column in
            for i in 0..<rows {
                let start = graph.rowStart[i], end = graph.rowStart[i + 1]
                var sum: Float = 0
                for e in start..<end { sum += score[e] }
                let inv = 1 / (sum + eps)
                rowScale[i] = inv
                messages(x, column: column, edges: start..<end, score: score, rowScale: inv, width: width,
                         into: m + i * width)
            }
        }
    }

    /// out[e] = (a_i . b_j) * scale for every directed edge i -> j (a = b = q for the
    /// scores; a = dm, b = x in backward), four dot products at a time across rows
    /// (`dots`): a node has two or three edges on average, too few to group within a row.
    private static func edgeDots(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, graph: PackedBatch.Adjacency,
                                 width: Int, scale: Float, into out: UnsafeMutablePointer<Float>) {
        graph.column.withUnsafeBufferPointer { column in
            graph.source.withUnsafeBufferPointer { source in
                let count = column.count
                var e = 0
                while e + 4 <= count {
                    let d = dots(
                        a + Int(source[e]) * width, b + Int(column[e]) * width,
                        a + Int(source[e + 1]) * width, b + Int(column[e + 1]) * width,
                        a + Int(source[e + 2]) * width, b + Int(column[e + 2]) * width,
                        a + Int(source[e + 3]) * width, b + Int(column[e + 3]) * width, width)
                    out[e] = d[0] * scale; out[e + 1] = d[1] * scale
                    out[e + 2] = d[2] * scale; out[e + 3] = d[3] * scale
                    e += 4
                }
                while e < count {
                    out[e] = VectorReductions.dot(a + Int(source[e]) * width, b + Int(column[e]) * width, width) * scale
                    e += 1
                }
            }
        }
    }

    /// m_i = sum_j p_ij x_j, p_ij = score * rowScale, summed edge by edge in their order
    /// into a register block by block: each value is the one adding p_ij x_j into a
    /// zeroed row edge after edge gives, without the row's stores and loads per edge.
    @inline(__always)
    private static func messages(_ x: UnsafePointer<Float>, column: UnsafeBufferPointer<Int32>, edges: Range<Int>,
                                 score: UnsafePointer<Float>, rowScale inv: Float, width: Int,
                                 into mi: UnsafeMutablePointer<Float>) {
        var c = RowBlocks.forEach(width) { c, half in
            var acc = SIMD16<Float>()
            for e in edges {
                acc += SIMD16(repeating: score[e] * inv) * SIMD16(x + Int(column[e]) * width, at: c, half: half)
            }
            acc.store(to: mi, at: c, half: half)
        }
        while c < width {
            var acc: Float = 0
            for e in edges { acc += score[e] * inv * x[Int(column[e]) * width + c] }
            mi[c] = acc
            c += 1
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
        // dp_ij = dm_i . x_j for every edge first (x is not written here).
        edgeDots(dm, x, graph: graph, width: width, scale: 1, into: dp)
        for i in 0..<rows {
            let dmi = dm + i * width, qi = q + i * width, dqi = dq + i * width
            let inv = rowScale[i]
            var weighted: Float = 0
            for e in graph.rowStart[i]..<graph.rowStart[i + 1] {
                let j = Int(graph.column[e])
                let p = score[e] * inv
                addScaled(p, dmi, to: dx + j * width, count: width)
                weighted += dp[e] * p
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

    /// `VectorReductions.dot(a0, b0, n)` ... `dot(a3, b3, n)`, each the same value as
    /// alone (one eight-lane chain, then the scalar tail): four independent chains in one
    /// loop, so each add waits on its own chain only, where a single dot product is one
    /// add per FP latency.
    @inline(__always)
    private static func dots(_ a0: UnsafePointer<Float>, _ b0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>,
                             _ b1: UnsafePointer<Float>, _ a2: UnsafePointer<Float>, _ b2: UnsafePointer<Float>,
                             _ a3: UnsafePointer<Float>, _ b3: UnsafePointer<Float>, _ n: Int) -> SIMD4<Float> {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            acc0 += load8(a0, i) * load8(b0, i)
            acc1 += load8(a1, i) * load8(b1, i)
            acc2 += load8(a2, i) * load8(b2, i)
            acc3 += load8(a3, i) * load8(b3, i)
            i += 8
        }
        var s = SIMD4<Float>(acc0.sum(), acc1.sum(), acc2.sum(), acc3.sum())
        while i < n {
            s[0] += a0[i] * b0[i]; s[1] += a1[i] * b1[i]; s[2] += a2[i] * b2[i]; s[3] += a3[i] * b3[i]
            i += 1
        }
        return s
    }

    @inline(__always)
    private static func load8(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }
}
