/// LayerNorm over each row of width `width` (eps 1e-5, biased variance as torch).
/// Forward writes x-hat (kept for backward; may be `x` itself) and y; backward turns
/// dy into dx in place.
enum LayerNorm {
    static let eps: Float = 1e-5

    static func forward(xToNormalised x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                        rstd: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) {
        forward(x: x, normalised: x, rows: rows, width: width, weight: weight, bias: bias, rstd: rstd, y: y)
    }

    static func forward(x: UnsafePointer<Float>, normalised: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                        rstd: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let inv = 1 / Float(width)
        for r in 0..<rows {
            let row = x + r * width, hat = normalised + r * width, out = y + r * width
            let mean = VectorReductions.sum(row, width) * inv
            let variance = VectorReductions.centredSquares(row, width, centre: mean)
            let s = 1 / (variance * inv + eps).squareRoot()
            rstd[r] = s
            for j in 0..<width {
                let h = (row[j] - mean) * s
                hat[j] = h
                out[j] = h * weight[j] + bias[j]
            }
        }
    }

    static func backward(dyToDx dy: UnsafeMutablePointer<Float>, normalised: UnsafePointer<Float>,
                         rstd: UnsafePointer<Float>, rows: Int, width: Int, weight: UnsafePointer<Float>,
                         dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>) {
        let inv = 1 / Float(width)
        for r in 0..<rows {
            let g = dy + r * width, h = normalised + r * width
            for j in 0..<width {
                dWeight[j] += g[j] * h[j]
                dBias[j] += g[j]
                g[j] *= weight[j]
            }
            let sumG = VectorReductions.sum(g, width) * inv
            let sumGH = VectorReductions.dot(g, h, width) * inv
            let s = rstd[r]
            for j in 0..<width { g[j] = s * (g[j] - sumG - h[j] * sumGH) }
        }
    }
}
