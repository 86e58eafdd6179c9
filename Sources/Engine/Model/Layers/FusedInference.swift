/// Inference-only fusions of the pointwise steps between a block's GEMMs. Each walks a
/// node row while it is in cache and keeps nothing that only backward reads (no x-hat,
/// no rstd, no inverse norm). A LayerNorm's moments (`LayerNorm.Moments`) are taken in
/// the pass that writes the row (adding the GEMM's bias), so the norm adds only its
/// normalising pass, `LayerNorm.normalise`, the one training uses. The two paths differ
/// in where the biases are added (ModelInferenceTests holds them to 1e-5 relative).
enum FusedInference {
    /// hidden = ReLU(L2Normalize(x + inputBias)) in place (the bias of the linear that
    /// wrote x, broadcast over rows), then out = LayerNorm(hidden) per row.
    static func normaliseReLULayerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                                       addingBias inputBias: UnsafePointer<Float>,
                                       weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                       out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * width
            let ss = addVectorSquares(inputBias, to: row, count: width)
            let inv = 1 / max(ss.squareRoot(), L2Normalize.eps)
            let invV = SIMD16<Float>(repeating: inv)
            var moments = LayerNorm.Moments(pivot: max(row[0] * inv, 0))
            var j = RowBlocks.forEach(width) { j, half in
                let v = (SIMD16(row, at: j, half: half) * invV).rectified
                v.store(to: row, at: j, half: half)
                moments.add(v, half: half)
            }
            while j < width { row[j] = max(row[j] * inv, 0); moments.add(row[j]); j += 1 }
            let (mean, s) = moments.meanAndScale(count: width)
            LayerNorm.normalise(row, width: width, mean: mean, scale: s, weight: weight, bias: bias, relu: false,
                                into: LayerNorm.Output(out: out + r * width))
        }
    }

    /// Each row of `rows * groups` chunks of `width`: x += inputBias (the grouped linear's
    /// bias, chunk k of a node taking slice k), then y = LayerNorm(x) (ReLU'd if asked)
    /// in place.
    static func biasLayerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, groups: Int, width: Int,
                              inputBias: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>, relu: Bool) {
        // Two copies of the loop, each with `relu` a constant, so the row loop has no branch.
        if relu {
            biasLayerNormRows(x, rows: rows, groups: groups, width: width, inputBias: inputBias,
                              weight: weight, bias: bias, relu: true)
        } else {
            biasLayerNormRows(x, rows: rows, groups: groups, width: width, inputBias: inputBias,
                              weight: weight, bias: bias, relu: false)
        }
    }

    @inline(__always)
    private static func biasLayerNormRows(_ x: UnsafeMutablePointer<Float>, rows: Int, groups: Int, width: Int,
                                          inputBias: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                          bias: UnsafePointer<Float>, relu: Bool) {
        for r in 0..<rows {
            for k in 0..<groups {
                let chunk = x + (r * groups + k) * width
                let (mean, s) = addVector(inputBias + k * width, to: chunk, count: width)
                LayerNorm.normalise(chunk, width: width, mean: mean, scale: s, weight: weight, bias: bias,
                                    relu: relu, into: LayerNorm.Output(out: chunk))
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
                let (mean, s) = addVector(inputBias + at, to: chunk, count: width)
                LayerNorm.normalise(chunk, width: width, mean: mean, scale: s, weight: weight, bias: bias,
                                    relu: false, into: LayerNorm.Residual(hidden: h + at, scale: scale + at, out: o + at))
            }
        }
    }

    /// What a row pass feeds its values to: a block of sixteen (or, with `half`, eight
    /// in the low lanes and zeros above), and the scalar tail.
    protocol RowAccumulator {
        mutating func add(_ v: SIMD16<Float>, half: Bool)
        mutating func add(_ v: Float)
    }

    /// The sum of squares of a row's values (the L2 norm's), one chain per lane.
    struct RowSquares: RowAccumulator {
        private var squares = SIMD16<Float>()
        private var tail: Float = 0

        /// A half block's upper lanes are zeros and add nothing.
        @inline(__always) mutating func add(_ v: SIMD16<Float>, half _: Bool) { squares += v * v }
        @inline(__always) mutating func add(_ v: Float) { tail += v * v }

        var total: Float { (squares.lowHalf + squares.highHalf).sum() + tail }
    }

    /// x += v, returning the new x's sum of squares, taken in the same pass.
    @inline(__always)
    private static func addVectorSquares(_ v: UnsafePointer<Float>, to x: UnsafeMutablePointer<Float>,
                                         count: Int) -> Float {
        var squares = RowSquares()
        addVector(v, to: x, count: count, into: &squares)
        return squares.total
    }

    /// x += v, returning the new x's LayerNorm mean and scale, taken in the same pass.
    @inline(__always)
    private static func addVector(_ v: UnsafePointer<Float>, to x: UnsafeMutablePointer<Float>,
                                  count: Int) -> (Float, Float) {
        var moments = LayerNorm.Moments(pivot: x[0] + v[0])
        addVector(v, to: x, count: count, into: &moments)
        return moments.meanAndScale(count: count)
    }

    /// x += v, each new value handed to `accumulator` in the same pass.
    @inline(__always)
    private static func addVector<Accumulator: RowAccumulator>(_ v: UnsafePointer<Float>, to x: UnsafeMutablePointer<Float>,
                                                               count: Int, into accumulator: inout Accumulator) {
        var j = RowBlocks.forEach(count) { j, half in
            let y = SIMD16(x, at: j, half: half) + SIMD16(v, at: j, half: half)
            y.store(to: x, at: j, half: half)
            accumulator.add(y, half: half)
        }
        while j < count { x[j] += v[j]; accumulator.add(x[j]); j += 1 }
    }
}

extension LayerNorm.Moments: FusedInference.RowAccumulator {}
