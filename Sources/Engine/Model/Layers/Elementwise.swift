import Foundation

/// Pointwise layers: ReLU, sigmoid, dropout and the head's -logsigmoid, each with its
/// backward. Backward passes read the forward output (for ReLU and sigmoid it decides
/// the derivative), so no separate masks are stored for them.
enum Elementwise {
    static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        relu(x, into: x, count: count)
    }

    /// y = max(x, 0); y may be x.
    @inline(__always)
    static func relu(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = RowBlocks.forEach(count) { i, half in
            SIMD16(x, at: i, half: half).rectified.store(to: y, at: i, half: half)
        }
        while i < count { y[i] = max(x[i], 0); i += 1 }
    }

    /// dy *= (y > 0)
    static func reluBackward(_ dy: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
        var i = RowBlocks.forEach(count) { i, half in
            let g = SIMD16(dy, at: i, half: half), v = SIMD16(y, at: i, half: half)
            g.replacing(with: 0, where: .!(v .> 0)).store(to: dy, at: i, half: half)
        }
        while i < count { dy[i] = y[i] > 0 ? dy[i] : 0; i += 1 }
    }

    static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// In place, sixteen at a time through `exp16`.
    static func sigmoid(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let zero = SIMD16<Float>()
        // The blocks by hand: the inliner leaves a closure holding `exp16` a call.
        var i = 0
        while i + 16 <= count { sigmoid(SIMD16(x, at: i, half: false), plus: zero).store(to: x, at: i, half: false); i += 16 }
        if i + 8 <= count { sigmoid(SIMD16(x, at: i, half: true), plus: zero).store(to: x, at: i, half: true); i += 8 }
        while i < count { x[i] = 1 / (1 + exp(-x[i])); i += 1 }
    }

    /// x = sigmoid(x + bias) in place, `bias` broadcast over rows of `width`: a linear
    /// layer's bias added in the sigmoid's pass instead of a pass of its own before the GEMM.
    static func sigmoid(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, addingBias bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * width
            var j = 0
            while j + 16 <= width {
                sigmoid(SIMD16(row, at: j, half: false), plus: SIMD16(bias, at: j, half: false)).store(to: row, at: j, half: false)
                j += 16
            }
            if j + 8 <= width {
                sigmoid(SIMD16(row, at: j, half: true), plus: SIMD16(bias, at: j, half: true)).store(to: row, at: j, half: true)
                j += 8
            }
            while j < width { row[j] = 1 / (1 + exp(-(row[j] + bias[j]))); j += 1 }
        }
    }

    /// 1 / (1 + e^-(x + b)) per lane.
    @inline(__always)
    private static func sigmoid(_ x: SIMD16<Float>, plus b: SIMD16<Float>) -> SIMD16<Float> {
        let one = SIMD16<Float>(repeating: 1)
        return one / (one + exp16(-(x + b)))
    }

    /// y = a * b elementwise; y may be a (each lane is read before it is written).
    @inline(__always)
    static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = RowBlocks.forEach(count) { i, half in
            (SIMD16(a, at: i, half: half) * SIMD16(b, at: i, half: half)).store(to: y, at: i, half: half)
        }
        while i < count { y[i] = a[i] * b[i]; i += 1 }
    }

    /// y = x * a; y may be x.
    @inline(__always)
    static func scale(_ x: UnsafePointer<Float>, by a: Float, into y: UnsafeMutablePointer<Float>, count: Int) {
        let aV = SIMD16<Float>(repeating: a)
        var i = RowBlocks.forEach(count) { i, half in (SIMD16(x, at: i, half: half) * aV).store(to: y, at: i, half: half) }
        while i < count { y[i] = x[i] * a; i += 1 }
    }

    /// y += x; y may be x.
    @inline(__always)
    static func add(_ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count: Int) {
        var i = RowBlocks.forEach(count) { i, half in
            (SIMD16(y, at: i, half: half) + SIMD16(x, at: i, half: half)).store(to: y, at: i, half: half)
        }
        while i < count { y[i] += x[i]; i += 1 }
    }

    /// e^x for sixteen floats, within about 2 ulp of expf (Cephes' expf polynomial): x is
    /// clamped to where e^x is a normal float, split as n ln2 + r with |r| <= ln2 / 2,
    /// e^r from a degree-7 polynomial, 2^n put into the exponent bits.
    @inline(__always)
    static func exp16(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let x = x.clampedBySign(lower: SIMD16(repeating: -87.3), upper: SIMD16(repeating: 88.3))
        // Adding 1.5 * 2^23 rounds x log2(e) to the nearest integer, left in the low bits.
        let shifter = SIMD16<Float>(repeating: 12_582_912)
        let shifted = x * SIMD16(repeating: 1.442_695_04) + shifter
        let n = shifted - shifter
        var r = x - n * SIMD16(repeating: 0.693_359_375)
        r -= n * SIMD16(repeating: -2.121_944_4e-4)
        var p = SIMD16<Float>(repeating: 1.987_569_15e-4)
        p = p * r + SIMD16(repeating: 1.398_199_95e-3)
        p = p * r + SIMD16(repeating: 8.333_451_9e-3)
        p = p * r + SIMD16(repeating: 4.166_579_59e-2)
        p = p * r + SIMD16(repeating: 1.666_666_55e-1)
        p = p * r + SIMD16(repeating: 5.000_000_12e-1)
        p = p * (r * r) + r + SIMD16(repeating: 1)
        let bits = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: SIMD16<Float>.self)
        return p * scale
    }

    /// dy *= y (1 - y)
    static func sigmoidBackward(_ dy: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
        let one = SIMD16<Float>(repeating: 1)
        var i = RowBlocks.forEach(count) { i, half in
            let v = SIMD16(y, at: i, half: half)
            (SIMD16(dy, at: i, half: half) * (v * (one - v))).store(to: dy, at: i, half: half)
        }
        while i < count { dy[i] *= y[i] * (1 - y[i]); i += 1 }
    }

    /// Inverted dropout: draws a mask of 0 or 1/(1-p) into `mask` and applies it.
    static func dropout(_ x: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>, count: Int,
                        rate: Float, rng: inout SplitMix64) {
        let keep = 1 / (1 - rate)
        for i in 0..<count {
            let m: Float = rng.nextUnit() < rate ? 0 : keep
            mask[i] = m
            x[i] *= m
        }
    }

    static func multiply(_ dy: UnsafeMutablePointer<Float>, by mask: UnsafePointer<Float>, count: Int) {
        multiply(dy, mask, into: dy, count: count)
    }

    /// y = -logsigmoid(z) = softplus(-z), stable for large |z|.
    static func negativeLogSigmoid(_ z: Float) -> Float {
        let t = -z
        return max(t, 0) + log1p(exp(-abs(t)))
    }

    /// dy/dz of -logsigmoid(z) = -sigmoid(-z).
    static func negativeLogSigmoidDerivative(_ z: Float) -> Float {
        -sigmoid(-z)
    }
}
