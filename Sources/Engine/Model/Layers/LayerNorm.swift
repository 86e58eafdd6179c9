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

    /// With `relu`, y = max(LayerNorm(x), 0): the ReLU that follows the grouped up
    /// projection, fused into the same pass.
    static func forward(x: UnsafePointer<Float>, normalised: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                        rstd: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, relu: Bool = false) {
        let inv = 1 / Float(width)
        for r in 0..<rows {
            let row = x + r * width, hat = normalised + r * width, out = y + r * width
            let mean = VectorReductions.sum(row, width) * inv
            let variance = VectorReductions.centredSquares(row, width, centre: mean)
            let s = 1 / (variance * inv + eps).squareRoot()
            rstd[r] = s
            let rawX = UnsafeRawPointer(row), rawHat = UnsafeMutableRawPointer(hat), rawOut = UnsafeMutableRawPointer(out)
            let rawW = UnsafeRawPointer(weight), rawB = UnsafeRawPointer(bias)
            let meanV = SIMD8<Float>(repeating: mean), sV = SIMD8<Float>(repeating: s)
            var j = 0
            while j + 8 <= width {
                let o = j * 4
                let h = (rawX.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) - meanV) * sV
                var v = h * rawW.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                    + rawB.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                if relu { v = v.rectified }
                rawHat.storeBytes(of: h, toByteOffset: o, as: SIMD8<Float>.self)
                rawOut.storeBytes(of: v, toByteOffset: o, as: SIMD8<Float>.self)
                j += 8
            }
            while j < width {
                let h = (row[j] - mean) * s
                hat[j] = h
                let v = h * weight[j] + bias[j]
                out[j] = relu ? max(v, 0) : v
                j += 1
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
