/// LayerNorm over each row of width `width` (eps 1e-5, biased variance as torch).
/// Forward turns `x` into x-hat in place (kept for backward) and writes y; backward
/// turns dy into dx in place.
enum LayerNorm {
    static let eps: Float = 1e-5

    static func forward(xToNormalised x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                        rstd: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let inv = 1 / Float(width)
        for r in 0..<rows {
            let row = x + r * width, out = y + r * width
            var mean: Float = 0
            for j in 0..<width { mean += row[j] }
            mean *= inv
            var variance: Float = 0
            for j in 0..<width { let c = row[j] - mean; variance += c * c }
            let s = 1 / (variance * inv + eps).squareRoot()
            rstd[r] = s
            for j in 0..<width {
                let h = (row[j] - mean) * s
                row[j] = h
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
            var sumG: Float = 0, sumGH: Float = 0
            for j in 0..<width {
                let gh = g[j] * weight[j]
                dWeight[j] += g[j] * h[j]
                dBias[j] += g[j]
                sumG += gh
                sumGH += gh * h[j]
            }
            sumG *= inv
            sumGH *= inv
            let s = rstd[r]
            for j in 0..<width { g[j] = s * (g[j] * weight[j] - sumG - h[j] * sumGH) }
        }
    }
}
