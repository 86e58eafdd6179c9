/// LayerNorm over each row of width `width` (eps 1e-5, biased variance as torch).
/// Forward writes x-hat (kept for backward; may be `x` itself) and y; backward turns
/// dy into dx in place.
///
/// The row kernel, `Moments` then `normalise`, is the one the inference passes use
/// (`FusedInference`): training takes a row's moments in a read pass of their own (a
/// GEMM wrote the row), inference in the pass that writes it, and both normalise with
/// the same loop, which hands each x-hat and output to a `RowSink` (training keeps
/// x-hat for backward; inference drops it or adds the output into a residual).
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
        for r in 0..<rows {
            let row = x + r * width
            let (mean, s) = moments(of: row, width: width)
            rstd[r] = s
            normalise(row, width: width, mean: mean, scale: s, weight: weight, bias: bias, relu: relu,
                      into: KeepingHat(hat: normalised + r * width, out: y + r * width))
        }
    }

    static func backward(dyToDx dy: UnsafeMutablePointer<Float>, normalised: UnsafePointer<Float>,
                         rstd: UnsafePointer<Float>, rows: Int, width: Int, weight: UnsafePointer<Float>,
                         dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>) {
        let inv = 1 / Float(width)
        for r in 0..<rows {
            let g = dy + r * width, h = normalised + r * width
            // The row sums of the new g and of g * h (`VectorReductions.sum` and `dot` of
            // it, eight-lane chains in their order) are taken in the pass that writes g.
            var sumAcc = SIMD8<Float>(), dotAcc = SIMD8<Float>()
            var j = 0
            while j + 16 <= width {
                let gv = SIMD16(g, at: j, half: false), hv = SIMD16(h, at: j, half: false)
                (SIMD16(dWeight, at: j, half: false) + gv * hv).store(to: dWeight, at: j, half: false)
                (SIMD16(dBias, at: j, half: false) + gv).store(to: dBias, at: j, half: false)
                let scaled = gv * SIMD16(weight, at: j, half: false)
                scaled.store(to: g, at: j, half: false)
                sumAcc += scaled.lowHalf
                dotAcc += scaled.lowHalf * hv.lowHalf
                sumAcc += scaled.highHalf
                dotAcc += scaled.highHalf * hv.highHalf
                j += 16
            }
            // The half block on eight lanes: the same operations per lane as a block's
            // low half (written apart so the compiler keeps the full-block loop unmasked).
            if j + 8 <= width {
                let gv = load8(g, j), hv = load8(h, j)
                store8(load8(dWeight, j) + gv * hv, dWeight, j)
                store8(load8(dBias, j) + gv, dBias, j)
                let scaled = gv * load8(weight, j)
                store8(scaled, g, j)
                sumAcc += scaled
                dotAcc += scaled * hv
                j += 8
            }
            let tail = j
            while j < width {
                dWeight[j] += g[j] * h[j]
                dBias[j] += g[j]
                g[j] *= weight[j]
                j += 1
            }
            var sumG = sumAcc.sum(), sumGH = dotAcc.sum()
            for k in tail..<width { sumG += g[k] }
            for k in tail..<width { sumGH += g[k] * h[k] }
            sumG *= inv
            sumGH *= inv
            let s = rstd[r]
            let sV = SIMD16<Float>(repeating: s), sumGV = SIMD16<Float>(repeating: sumG)
            let sumGHV = SIMD16<Float>(repeating: sumGH)
            j = RowBlocks.forEach(width) { j, half in
                let gv = SIMD16(g, at: j, half: half), hv = SIMD16(h, at: j, half: half)
                (sV * (gv - sumGV - hv * sumGHV)).store(to: g, at: j, half: half)
            }
            while j < width { g[j] = s * (g[j] - sumG - h[j] * sumGH); j += 1 }
        }
    }

    @inline(__always)
    private static func load8(_ p: UnsafePointer<Float>, _ j: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ j: Int) {
        UnsafeMutableRawPointer(p + j).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    // MARK: The row kernel

    /// Running sum and sum of squares of a row's values about a pivot (the row's first
    /// value): var = E[(x - p)^2] - E[x - p]^2 loses little to cancellation when p is
    /// one of the values, unlike the same formula about 0 when the mean is large.
    /// Sixteen-lane accumulators: each lane sums its column of the row's 16-value blocks,
    /// and the lanes are added only at the end, so the adds of one block do not wait on
    /// each other (lanes 0-7 and 8-15 are two independent chains on an AVX2 build).
    struct Moments {
        let pivot: Float
        private let pivotV: SIMD16<Float>
        private var sum = SIMD16<Float>(), squares = SIMD16<Float>()
        private var tailSum: Float = 0, tailSquares: Float = 0

        init(pivot: Float) {
            self.pivot = pivot
            pivotV = SIMD16(repeating: pivot)
        }

        /// A block of sixteen values, or with `half` eight in the low lanes (the upper
        /// lanes, whatever they hold, add nothing).
        @inline(__always)
        mutating func add(_ v: SIMD16<Float>, half: Bool) {
            var d = v - pivotV
            if half { d.highHalf = SIMD8() }
            sum += d
            squares += d * d
        }

        @inline(__always)
        mutating func add(_ v: Float) {
            let d = v - pivot
            tailSum += d
            tailSquares += d * d
        }

        /// The mean and the scale 1 / sqrt(biased variance + eps).
        @inline(__always)
        func meanAndScale(count: Int) -> (Float, Float) {
            let inv = 1 / Float(count)
            let shift = ((sum.lowHalf + sum.highHalf).sum() + tailSum) * inv
            let variance = max(((squares.lowHalf + squares.highHalf).sum() + tailSquares) * inv - shift * shift, 0)
            return (pivot + shift, 1 / (variance + LayerNorm.eps).squareRoot())
        }
    }

    /// The mean and scale of a row already in memory, in one read pass.
    @inline(__always)
    static func moments(of row: UnsafePointer<Float>, width: Int) -> (Float, Float) {
        var moments = Moments(pivot: row[0])
        var j = RowBlocks.forEach(width) { j, half in moments.add(SIMD16(row, at: j, half: half), half: half) }
        while j < width { moments.add(row[j]); j += 1 }
        return moments.meanAndScale(count: width)
    }

    /// Where the normalising pass puts x-hat = (x - mean) * scale and the output
    /// v = x-hat * weight + bias of each column `j` (a block of sixteen or, with `half`,
    /// of eight in the low lanes, then one by one for the tail).
    protocol RowSink {
        func store(hat: SIMD16<Float>, value: SIMD16<Float>, at j: Int, half: Bool)
        func store(hat: Float, value: Float, at j: Int)
    }

    /// One row's x-hat and output (ReLU'd if asked) into `sink`. `sink` may write over
    /// the row: each value is read before its column is stored.
    @inline(__always)
    static func normalise<Sink: RowSink>(_ row: UnsafePointer<Float>, width: Int, mean: Float, scale s: Float,
                                         weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool,
                                         into sink: Sink) {
        let meanV = SIMD16<Float>(repeating: mean), sV = SIMD16<Float>(repeating: s)
        var j = RowBlocks.forEach(width) { j, half in
            let h = (SIMD16(row, at: j, half: half) - meanV) * sV
            var v = h * SIMD16(weight, at: j, half: half) + SIMD16(bias, at: j, half: half)
            if relu { v = v.rectified }
            sink.store(hat: h, value: v, at: j, half: half)
        }
        while j < width {
            let h = (row[j] - mean) * s
            let v = h * weight[j] + bias[j]
            sink.store(hat: h, value: relu ? max(v, 0) : v, at: j)
            j += 1
        }
    }

    /// Training: x-hat for backward and the output.
    struct KeepingHat: RowSink {
        let hat: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>

        @inline(__always) func store(hat h: SIMD16<Float>, value v: SIMD16<Float>, at j: Int, half: Bool) {
            h.store(to: hat, at: j, half: half)
            v.store(to: out, at: j, half: half)
        }
        @inline(__always) func store(hat h: Float, value v: Float, at j: Int) {
            hat[j] = h
            out[j] = v
        }
    }

    /// Inference: the output only.
    struct Output: RowSink {
        let out: UnsafeMutablePointer<Float>

        @inline(__always) func store(hat _: SIMD16<Float>, value v: SIMD16<Float>, at j: Int, half: Bool) {
            v.store(to: out, at: j, half: half)
        }
        @inline(__always) func store(hat _: Float, value v: Float, at j: Int) { out[j] = v }
    }

    /// Inference: out = hidden + scale * output, the block's residual sum in the order
    /// of the training path.
    struct Residual: RowSink {
        let hidden: UnsafePointer<Float>, scale: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>

        @inline(__always) func store(hat _: SIMD16<Float>, value v: SIMD16<Float>, at j: Int, half: Bool) {
            (SIMD16(hidden, at: j, half: half) + SIMD16(scale, at: j, half: half) * v).store(to: out, at: j, half: half)
        }
        @inline(__always) func store(hat _: Float, value v: Float, at j: Int) { out[j] = hidden[j] + scale[j] * v }
    }
}
