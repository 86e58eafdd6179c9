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
            // The LayerNorm's row sum rides along, lane for lane as `VectorReductions.sum`.
            var acc = SIMD8<Float>()
            var j = 0
            while j + 8 <= width {
                var v = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self) * invV
                v.replace(with: 0, where: v .< 0)
                raw.storeBytes(of: v, toByteOffset: j * 4, as: SIMD8<Float>.self)
                acc += v
                j += 8
            }
            var sum = acc.sum()
            while j < width { row[j] = max(row[j] * inv, 0); sum += row[j]; j += 1 }
            layerNormRow(row, width: width, sum: sum, weight: weight, bias: bias, out: out + r * width, relu: false)
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
                let sum = addVector(inputBias + k * width, to: chunk, count: width)
                layerNormRow(chunk, width: width, sum: sum, weight: weight, bias: bias, out: chunk, relu: relu)
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
            let row = x + r * rowWidth, h = hidden + r * rowWidth, o = out + r * rowWidth
            for k in 0..<groups {
                let chunk = row + k * width, at = k * width
                let sum = addVector(inputBias + at, to: chunk, count: width)
                let (mean, s) = meanAndScale(chunk, width: width, sum: sum)
                // The LayerNorm output goes straight into the residual sum, in the order
                // of the training path: v = (x - mean) * s * w + b, then h + scale * v.
                let rawX = UnsafeRawPointer(chunk), rawW = UnsafeRawPointer(weight), rawB = UnsafeRawPointer(bias)
                let rawH = UnsafeRawPointer(h + at), rawS = UnsafeRawPointer(scale + at)
                let rawO = UnsafeMutableRawPointer(o + at)
                let meanV = SIMD8<Float>(repeating: mean), sV = SIMD8<Float>(repeating: s)
                var j = 0
                while j + 8 <= width {
                    let b = j * 4
                    let v = (rawX.loadUnaligned(fromByteOffset: b, as: SIMD8<Float>.self) - meanV) * sV
                        * rawW.loadUnaligned(fromByteOffset: b, as: SIMD8<Float>.self)
                        + rawB.loadUnaligned(fromByteOffset: b, as: SIMD8<Float>.self)
                    let y = rawH.loadUnaligned(fromByteOffset: b, as: SIMD8<Float>.self)
                        + rawS.loadUnaligned(fromByteOffset: b, as: SIMD8<Float>.self) * v
                    rawO.storeBytes(of: y, toByteOffset: b, as: SIMD8<Float>.self)
                    j += 8
                }
                while j < width {
                    let v = (chunk[j] - mean) * s * weight[j] + bias[j]
                    o[at + j] = h[at + j] + scale[at + j] * v
                    j += 1
                }
            }
        }
    }

    /// x += v, returning the sum of the new x, accumulated as `VectorReductions.sum` does.
    @inline(__always)
    private static func addVector(_ v: UnsafePointer<Float>, to x: UnsafeMutablePointer<Float>, count: Int) -> Float {
        let rawX = UnsafeMutableRawPointer(x), rawV = UnsafeRawPointer(v)
        var acc = SIMD8<Float>()
        var j = 0
        while j + 8 <= count {
            let y = rawX.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                + rawV.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            rawX.storeBytes(of: y, toByteOffset: j * 4, as: SIMD8<Float>.self)
            acc += y
            j += 8
        }
        var sum = acc.sum()
        while j < count { x[j] += v[j]; sum += x[j]; j += 1 }
        return sum
    }

    /// The row's mean and 1 / sqrt(variance + eps), as `LayerNorm.forward` computes them.
    @inline(__always)
    private static func meanAndScale(_ row: UnsafePointer<Float>, width: Int, sum: Float) -> (Float, Float) {
        let inv = 1 / Float(width)
        let mean = sum * inv
        let variance = VectorReductions.centredSquares(row, width, centre: mean)
        return (mean, 1 / (variance * inv + LayerNorm.eps).squareRoot())
    }

    /// One row of `LayerNorm.forward` without the x-hat and rstd stores; `sum` is the
    /// row's sum, taken by the pass that wrote the row.
    @inline(__always)
    private static func layerNormRow(_ row: UnsafePointer<Float>, width: Int, sum: Float, weight: UnsafePointer<Float>,
                                     bias: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, relu: Bool) {
        let (mean, s) = meanAndScale(row, width: width, sum: sum)
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
