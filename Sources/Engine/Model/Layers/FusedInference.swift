/// Inference-only fusions of the pointwise steps between a block's GEMMs. Each walks a
/// node row while it is in cache and keeps nothing that only backward reads (no x-hat,
/// no rstd, no inverse norm). A LayerNorm's moments (`LayerNorm.Moments`) are taken in
/// the pass that writes the row (adding the GEMM's bias), so the norm adds only its
/// normalising pass, `LayerNorm.normalise`, the one training uses. The two paths differ
/// in where the biases are added (ModelInferenceTests holds them to 1e-5 relative).
///
/// Rows go two at a time: a row's sums are chains of dependent adds, and a short row (the
/// grouped projections' 256- and 64-float chunks) spends much of its time waiting on them
/// and on the square root and division that end them. The two rows' chains are
/// interleaved in one loop; each row's values and sums are computed in the order they
/// are for the row alone, so the results do not change.
enum FusedInference {
    /// hidden = ReLU(L2Normalize(x + inputBias)) in place (the bias of the linear that
    /// wrote x, broadcast over rows), then out = LayerNorm(hidden) per row.
    static func normaliseReLULayerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                                       addingBias inputBias: UnsafePointer<Float>,
                                       weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                       out: UnsafeMutablePointer<Float>) {
        var r = 0
        while r + 2 <= rows {
            let row0 = x + r * width, row1 = row0 + width
            var squares0 = RowSquares(), squares1 = RowSquares()
            addVectors(inputBias, to: row0, into: &squares0, inputBias, to: row1, into: &squares1, count: width)
            let inv0 = 1 / max(squares0.total.squareRoot(), L2Normalize.eps)
            let inv1 = 1 / max(squares1.total.squareRoot(), L2Normalize.eps)
            var moments0 = LayerNorm.Moments(pivot: max(row0[0] * inv0, 0))
            var moments1 = LayerNorm.Moments(pivot: max(row1[0] * inv1, 0))
            scaleReLU(row0, by: inv0, into: &moments0, row1, by: inv1, into: &moments1, count: width)
            let (mean0, s0) = moments0.meanAndScale(count: width)
            let (mean1, s1) = moments1.meanAndScale(count: width)
            LayerNorm.normalise(row0, width: width, mean: mean0, scale: s0, weight: weight, bias: bias, relu: false,
                                into: LayerNorm.Output(out: out + r * width))
            LayerNorm.normalise(row1, width: width, mean: mean1, scale: s1, weight: weight, bias: bias, relu: false,
                                into: LayerNorm.Output(out: out + (r + 1) * width))
            r += 2
        }
        if r < rows {
            let row = x + r * width
            var squares = RowSquares()
            addVector(inputBias, to: row, count: width, into: &squares)
            let inv = 1 / max(squares.total.squareRoot(), L2Normalize.eps)
            var moments = LayerNorm.Moments(pivot: max(row[0] * inv, 0))
            scaleReLU(row, by: inv, count: width, into: &moments)
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
        // Chunk c is chunk c % groups of its node; consecutive chunks pair up across nodes.
        let chunks = rows * groups
        var c = 0
        while c + 2 <= chunks {
            let chunk0 = x + c * width, chunk1 = chunk0 + width
            let v0 = inputBias + (c % groups) * width, v1 = inputBias + ((c + 1) % groups) * width
            let (mean0, s0, mean1, s1) = sumMoments(chunk0, v0, chunk1, v1, count: width)
            normaliseSums(chunk0, v0, mean: mean0, scale: s0, into: LayerNorm.Output(out: chunk0),
                          chunk1, v1, mean: mean1, scale: s1, into: LayerNorm.Output(out: chunk1),
                          width: width, weight: weight, bias: bias, relu: relu)
            c += 2
        }
        if c < chunks {
            let chunk = x + c * width
            let (mean, s) = addVector(inputBias + (c % groups) * width, to: chunk, count: width)
            LayerNorm.normalise(chunk, width: width, mean: mean, scale: s, weight: weight, bias: bias,
                                relu: relu, into: LayerNorm.Output(out: chunk))
        }
    }

    /// out = hidden + scale * LayerNorm(x + inputBias) with the LayerNorm per chunk of
    /// `width` (groups chunks per row): the down projection's bias, norm and residual.
    /// `x` is used as scratch.
    static func biasLayerNormResidual(_ x: UnsafeMutablePointer<Float>, rows: Int, groups: Int, width: Int,
                                      inputBias: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                      bias: UnsafePointer<Float>, hidden: UnsafePointer<Float>,
                                      scale: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) {
        // Chunk c lies at c * width in x, hidden and out alike (rows of groups * width);
        // its slice of the bias and the layer scale is chunk c % groups of a row.
        let chunks = rows * groups
        var c = 0
        while c + 2 <= chunks {
            let at0 = c * width, at1 = at0 + width
            let slice0 = (c % groups) * width, slice1 = ((c + 1) % groups) * width
            let (mean0, s0, mean1, s1) = sumMoments(x + at0, inputBias + slice0, x + at1, inputBias + slice1, count: width)
            normaliseSums(x + at0, inputBias + slice0, mean: mean0, scale: s0,
                          into: LayerNorm.Residual(hidden: hidden + at0, scale: scale + slice0, out: out + at0),
                          x + at1, inputBias + slice1, mean: mean1, scale: s1,
                          into: LayerNorm.Residual(hidden: hidden + at1, scale: scale + slice1, out: out + at1),
                          width: width, weight: weight, bias: bias, relu: false)
            c += 2
        }
        if c < chunks {
            let at = c * width, slice = (c % groups) * width
            let (mean, s) = addVector(inputBias + slice, to: x + at, count: width)
            LayerNorm.normalise(x + at, width: width, mean: mean, scale: s, weight: weight, bias: bias, relu: false,
                                into: LayerNorm.Residual(hidden: hidden + at, scale: scale + slice, out: out + at))
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

    /// x += v, returning the new x's LayerNorm mean and scale, taken in the same pass.
    @inline(__always)
    private static func addVector(_ v: UnsafePointer<Float>, to x: UnsafeMutablePointer<Float>,
                                  count: Int) -> (Float, Float) {
        var moments = LayerNorm.Moments(pivot: x[0] + v[0])
        addVector(v, to: x, count: count, into: &moments)
        return moments.meanAndScale(count: count)
    }

    /// The LayerNorm mean and scale of x0 + v0 and of x1 + v1 (as `addVector` takes them),
    /// in one read pass over both rows; the sums are not stored.
    @inline(__always)
    private static func sumMoments(_ x0: UnsafePointer<Float>, _ v0: UnsafePointer<Float>,
                                   _ x1: UnsafePointer<Float>, _ v1: UnsafePointer<Float>,
                                   count: Int) -> (Float, Float, Float, Float) {
        var moments0 = LayerNorm.Moments(pivot: x0[0] + v0[0])
        var moments1 = LayerNorm.Moments(pivot: x1[0] + v1[0])
        var j = RowBlocks.forEach(count) { j, half in
            moments0.add(SIMD16(x0, at: j, half: half) + SIMD16(v0, at: j, half: half), half: half)
            moments1.add(SIMD16(x1, at: j, half: half) + SIMD16(v1, at: j, half: half), half: half)
        }
        while j < count { moments0.add(x0[j] + v0[j]); moments1.add(x1[j] + v1[j]); j += 1 }
        let (mean0, s0) = moments0.meanAndScale(count: count)
        let (mean1, s1) = moments1.meanAndScale(count: count)
        return (mean0, s0, mean1, s1)
    }

    /// `LayerNorm.normalise` of the rows x0 + v0 and x1 + v1 (the sums recomputed as
    /// `sumMoments` took them), their blocks interleaved. A sink may write over its x.
    @inline(__always)
    private static func normaliseSums<S0: LayerNorm.RowSink, S1: LayerNorm.RowSink>(
        _ x0: UnsafePointer<Float>, _ v0: UnsafePointer<Float>, mean mean0: Float, scale s0: Float, into sink0: S0,
        _ x1: UnsafePointer<Float>, _ v1: UnsafePointer<Float>, mean mean1: Float, scale s1: Float, into sink1: S1,
        width: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool
    ) {
        let mean0V = SIMD16<Float>(repeating: mean0), s0V = SIMD16<Float>(repeating: s0)
        let mean1V = SIMD16<Float>(repeating: mean1), s1V = SIMD16<Float>(repeating: s1)
        var j = RowBlocks.forEach(width) { j, half in
            let w = SIMD16(weight, at: j, half: half), b = SIMD16(bias, at: j, half: half)
            let h0 = (SIMD16(x0, at: j, half: half) + SIMD16(v0, at: j, half: half) - mean0V) * s0V
            let h1 = (SIMD16(x1, at: j, half: half) + SIMD16(v1, at: j, half: half) - mean1V) * s1V
            var y0 = h0 * w + b, y1 = h1 * w + b
            if relu { y0 = y0.rectified; y1 = y1.rectified }
            sink0.store(hat: h0, value: y0, at: j, half: half)
            sink1.store(hat: h1, value: y1, at: j, half: half)
        }
        while j < width {
            let h0 = (x0[j] + v0[j] - mean0) * s0, h1 = (x1[j] + v1[j] - mean1) * s1
            let y0 = h0 * weight[j] + bias[j], y1 = h1 * weight[j] + bias[j]
            sink0.store(hat: h0, value: relu ? max(y0, 0) : y0, at: j)
            sink1.store(hat: h1, value: relu ? max(y1, 0) : y1, at: j)
            j += 1
        }
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

    /// `addVector` on two rows of the same length, their blocks interleaved.
    @inline(__always)
    private static func addVectors<A0: RowAccumulator, A1: RowAccumulator>(
        _ v0: UnsafePointer<Float>, to x0: UnsafeMutablePointer<Float>, into accumulator0: inout A0,
        _ v1: UnsafePointer<Float>, to x1: UnsafeMutablePointer<Float>, into accumulator1: inout A1, count: Int
    ) {
        var j = RowBlocks.forEach(count) { j, half in
            let y0 = SIMD16(x0, at: j, half: half) + SIMD16(v0, at: j, half: half)
            let y1 = SIMD16(x1, at: j, half: half) + SIMD16(v1, at: j, half: half)
            y0.store(to: x0, at: j, half: half)
            y1.store(to: x1, at: j, half: half)
            accumulator0.add(y0, half: half)
            accumulator1.add(y1, half: half)
        }
        while j < count {
            x0[j] += v0[j]; accumulator0.add(x0[j])
            x1[j] += v1[j]; accumulator1.add(x1[j])
            j += 1
        }
    }

    /// x = max(x * a, 0) in place, each new value handed to `accumulator`.
    @inline(__always)
    private static func scaleReLU<Accumulator: RowAccumulator>(_ x: UnsafeMutablePointer<Float>, by a: Float, count: Int,
                                                               into accumulator: inout Accumulator) {
        let aV = SIMD16<Float>(repeating: a)
        var j = RowBlocks.forEach(count) { j, half in
            let y = (SIMD16(x, at: j, half: half) * aV).rectified
            y.store(to: x, at: j, half: half)
            accumulator.add(y, half: half)
        }
        while j < count { x[j] = max(x[j] * a, 0); accumulator.add(x[j]); j += 1 }
    }

    /// `scaleReLU` on two rows of the same length, their blocks interleaved.
    @inline(__always)
    private static func scaleReLU<A0: RowAccumulator, A1: RowAccumulator>(
        _ x0: UnsafeMutablePointer<Float>, by a0: Float, into accumulator0: inout A0,
        _ x1: UnsafeMutablePointer<Float>, by a1: Float, into accumulator1: inout A1, count: Int
    ) {
        let a0V = SIMD16<Float>(repeating: a0), a1V = SIMD16<Float>(repeating: a1)
        var j = RowBlocks.forEach(count) { j, half in
            let y0 = (SIMD16(x0, at: j, half: half) * a0V).rectified
            let y1 = (SIMD16(x1, at: j, half: half) * a1V).rectified
            y0.store(to: x0, at: j, half: half)
            y1.store(to: x1, at: j, half: half)
            accumulator0.add(y0, half: half)
            accumulator1.add(y1, half: half)
        }
        while j < count {
            x0[j] = max(x0[j] * a0, 0); accumulator0.add(x0[j])
            x1[j] = max(x1[j] * a1, 0); accumulator1.add(x1[j])
            j += 1
        }
    }
}

extension LayerNorm.Moments: FusedInference.RowAccumulator {}
