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

    // MARK: The row kernel

    /// Running sum and sum of squares of a row's values about a pivot (the row's first
    /// value): var = E[(x - p)^2] - E[x - p]^2 loses little to cancellation when p is
    /// one of the values, unlike the same formula about 0 when the mean is large.
    /// Two pairs of vector accumulators, so that a row's two halves of 16 values add into
    /// independent chains: one chain waits on the previous add's latency every 8 values.
    struct Moments {
        let pivot: Float
        private let pivotV: SIMD8<Float>
        private var sum = SIMD8<Float>(), squares = SIMD8<Float>()
        private var sum2 = SIMD8<Float>(), squares2 = SIMD8<Float>()
        private var tailSum: Float = 0, tailSquares: Float = 0

        init(pivot: Float) {
            self.pivot = pivot
            pivotV = SIMD8(repeating: pivot)
        }

        @inline(__always)
        mutating func add(_ v: SIMD8<Float>) {
            let d = v - pivotV
            sum += d
            squares += d * d
        }

        @inline(__always)
        mutating func add(_ v: SIMD8<Float>, _ w: SIMD8<Float>) {
            let d = v - pivotV, e = w - pivotV
            sum += d
            squares += d * d
            sum2 += e
            squares2 += e * e
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
            let shift = ((sum + sum2).sum() + tailSum) * inv
            let variance = max(((squares + squares2).sum() + tailSquares) * inv - shift * shift, 0)
            return (pivot + shift, 1 / (variance + LayerNorm.eps).squareRoot())
        }
    }

    /// The mean and scale of a row already in memory, in one read pass (16 values at a
    /// time, the two halves on `Moments`' two chains).
    @inline(__always)
    static func moments(of row: UnsafePointer<Float>, width: Int) -> (Float, Float) {
        var moments = Moments(pivot: row[0])
        let raw = UnsafeRawPointer(row)
        var j = 0
        while j + 16 <= width {
            moments.add(raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self),
                        raw.loadUnaligned(fromByteOffset: j * 4 + 32, as: SIMD8<Float>.self))
            j += 16
        }
        while j + 8 <= width {
            moments.add(raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self))
            j += 8
        }
        while j < width { moments.add(row[j]); j += 1 }
        return moments.meanAndScale(count: width)
    }

    /// Where the normalising pass puts x-hat = (x - mean) * scale and the output
    /// v = x-hat * weight + bias of each column `j` (eight at a time, then the tail).
    protocol RowSink {
        func store(hat: SIMD8<Float>, value: SIMD8<Float>, at j: Int)
        func store(hat: Float, value: Float, at j: Int)
    }

    /// One row's x-hat and output (ReLU'd if asked) into `sink`. `sink` may write over
    /// the row: each value is read before its column is stored.
    @inline(__always)
    static func normalise<Sink: RowSink>(_ row: UnsafePointer<Float>, width: Int, mean: Float, scale s: Float,
                                         weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool,
                                         into sink: Sink) {
        let rawX = UnsafeRawPointer(row), rawW = UnsafeRawPointer(weight), rawB = UnsafeRawPointer(bias)
        let meanV = SIMD8<Float>(repeating: mean), sV = SIMD8<Float>(repeating: s)
        var j = 0
        while j + 8 <= width {
            let o = j * 4
            let h = (rawX.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) - meanV) * sV
            var v = h * rawW.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                + rawB.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            if relu { v = v.rectified }
            sink.store(hat: h, value: v, at: j)
            j += 8
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

        @inline(__always) func store(hat h: SIMD8<Float>, value v: SIMD8<Float>, at j: Int) {
            UnsafeMutableRawPointer(hat).storeBytes(of: h, toByteOffset: j * 4, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out).storeBytes(of: v, toByteOffset: j * 4, as: SIMD8<Float>.self)
        }
        @inline(__always) func store(hat h: Float, value v: Float, at j: Int) {
            hat[j] = h
            out[j] = v
        }
    }

    /// Inference: the output only.
    struct Output: RowSink {
        let out: UnsafeMutablePointer<Float>

        @inline(__always) func store(hat _: SIMD8<Float>, value v: SIMD8<Float>, at j: Int) {
            UnsafeMutableRawPointer(out).storeBytes(of: v, toByteOffset: j * 4, as: SIMD8<Float>.self)
        }
        @inline(__always) func store(hat _: Float, value v: Float, at j: Int) { out[j] = v }
    }

    /// Inference: out = hidden + scale * output, the block's residual sum in the order
    /// of the training path.
    struct Residual: RowSink {
        let hidden: UnsafePointer<Float>, scale: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>

        @inline(__always) func store(hat _: SIMD8<Float>, value v: SIMD8<Float>, at j: Int) {
            let o = j * 4
            let y = UnsafeRawPointer(hidden).loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                + UnsafeRawPointer(scale).loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) * v
            UnsafeMutableRawPointer(out).storeBytes(of: y, toByteOffset: o, as: SIMD8<Float>.self)
        }
        @inline(__always) func store(hat _: Float, value v: Float, at j: Int) { out[j] = hidden[j] + scale[j] * v }
    }
}
