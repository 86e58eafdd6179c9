/// Inference-only fusions of the pointwise steps between a block's GEMMs. Each walks a
/// node row once while it is in cache and keeps nothing that only backward reads (no
/// x-hat, no rstd, no inverse norm). The arithmetic is the same, in the same order, as
/// the training layers (`L2Normalize`, `Elementwise.relu`, `LayerNorm`), so inference
/// and training forward agree to the last bit wherever the GEMMs do.
enum FusedInference {
    /// hidden = ReLU(L2Normalize(x)) in place, then out = LayerNorm(hidden) per row.
    static func normaliseReLULayerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                                       weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                       out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * width
            let ss = VectorReductions.dot(row, row, width)
            let inv = 1 / max(ss.squareRoot(), L2Normalize.eps)
            let invV = SIMD8<Float>(repeating: inv)
            let raw = UnsafeMutableRawPointer(row)
            var j = 0
            while j + 8 <= width {
                var v = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self) * invV
                v.replace(with: 0, where: v .< 0)
                raw.storeBytes(of: v, toByteOffset: j * 4, as: SIMD8<Float>.self)
                j += 8
            }
            while j < width { row[j] = max(row[j] * inv, 0); j += 1 }
            layerNormRow(row, width: width, weight: weight, bias: bias, out: out + r * width, relu: false)
        }
    }

    /// Each row of `rows * groups` chunks of `width`: x += inputBias (the grouped linear's
    /// bias, chunk k of a node taking slice k), then y = LayerNorm(x) (ReLU'd if asked)
    /// in place.
    static func biasLayerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, groups: Int, width: Int,
                              inputBias: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>, relu: Bool) {
        for r in 0..<rows {
            for k in 0..<groups {
                let chunk = x + (r * groups + k) * width
                addVector(inputBias + k * width, to: chunk, count: width)
                layerNormRow(chunk, width: width, weight: weight, bias: bias, out: chunk, relu: relu)
            }
        }
    }

    /// out = hidden + scale * LayerNorm(x + inputBias) with the LayerNorm per chunk of
    /// `width` (groups chunks per row): the down projection's bias, norm and residual.
    /// `x` is used as scratch.
    static func biasLayerNormResidual(_ x: UnsafeMutablePointer<Float>, rows: Int, groups: Int, width: Int,
                                      inputBias: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                      bias: UnsafePointer<Float>, hidden: UnsafePointer<Float>,
                                      scale: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let rowWidth = groups * width
        for r in 0..<rows {
            let row = x + r * rowWidth
            for k in 0..<groups {
                let chunk = row + k * width
                addVector(inputBias + k * width, to: chunk, count: width)
                layerNormRow(chunk, width: width, weight: weight, bias: bias, out: chunk, relu: false)
            }
            let h = hidden + r * rowWidth, o = out + r * rowWidth
            for j in 0..<rowWidth { o[j] = h[j] + scale[j] * row[j] }
        }
    }

    @inline(__always)
    private static func addVector(_ v: UnsafePointer<Float>, to x: UnsafeMutablePointer<Float>, count: Int) {
        for j in 0..<count { x[j] += v[j] }
    }

    /// One row of `LayerNorm.forward` without the x-hat and rstd stores.
    @inline(__always)
    private static func layerNormRow(_ row: UnsafePointer<Float>, width: Int, weight: UnsafePointer<Float>,
                                     bias: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, relu: Bool) {
        let inv = 1 / Float(width)
        let mean = VectorReductions.sum(row, width) * inv
        let variance = VectorReductions.centredSquares(row, width, centre: mean)
        let s = 1 / (variance * inv + LayerNorm.eps).squareRoot()
        let rawX = UnsafeRawPointer(row), rawOut = UnsafeMutableRawPointer(out)
        let rawW = UnsafeRawPointer(weight), rawB = UnsafeRawPointer(bias)
        let meanV = SIMD8<Float>(repeating: mean), sV = SIMD8<Float>(repeating: s)
        var j = 0
        while j + 8 <= width {
            let o = j * 4
            let h = (rawX.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) - meanV) * sV
            var v = h * rawW.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                + rawB.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            if relu { v.replace(with: 0, where: v .< 0) }
            rawOut.storeBytes(of: v, toByteOffset: o, as: SIMD8<Float>.self)
            j += 8
        }
        while j < width {
            let v = (row[j] - mean) * s * weight[j] + bias[j]
            out[j] = relu ? max(v, 0) : v
            j += 1
        }
    }
}
