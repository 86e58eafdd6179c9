import Foundation

/// Pointwise layers: ReLU, sigmoid, dropout and the head's -logsigmoid, each with its
/// backward. Backward passes read the forward output (for ReLU and sigmoid it decides
/// the derivative), so no separate masks are stored for them.
enum Elementwise {
    static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(x)
        var i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: v.rectified, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { x[i] = max(x[i], 0); i += 1 }
    }

    /// y = max(x, 0) into a separate buffer.
    static func relu(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        let rawX = UnsafeRawPointer(x), rawY = UnsafeMutableRawPointer(y)
        var i = 0
        while i + 8 <= count {
            let v = rawX.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            rawY.storeBytes(of: v.rectified, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { y[i] = max(x[i], 0); i += 1 }
    }

    /// dy *= (y > 0)
    static func reluBackward(_ dy: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
        let rawG = UnsafeMutableRawPointer(dy), rawY = UnsafeRawPointer(y)
        var i = 0
        while i + 8 <= count {
            let g = rawG.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let v = rawY.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            rawG.storeBytes(of: g.replacing(with: 0, where: .!(v .> 0)), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { dy[i] = y[i] > 0 ? dy[i] : 0; i += 1 }
    }

    static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// In place, eight at a time through `exp8` (the q of every block: N x din values).
    static func sigmoid(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(x)
        let one = SIMD8<Float>(repeating: 1)
        var i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: one / (one + exp8(-v)), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { x[i] = 1 / (1 + exp(-x[i])); i += 1 }
    }

    /// x = sigmoid(x + bias) in place, `bias` broadcast over rows of `width`: a linear
    /// layer's bias added in the sigmoid's pass instead of a pass of its own before the GEMM.
    static func sigmoid(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, addingBias bias: UnsafePointer<Float>) {
        let rawB = UnsafeRawPointer(bias)
        let one = SIMD8<Float>(repeating: 1)
        for r in 0..<rows {
            let row = x + r * width, raw = UnsafeMutableRawPointer(row)
            var j = 0
            while j + 8 <= width {
                let v = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                    + rawB.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                raw.storeBytes(of: one / (one + exp8(-v)), toByteOffset: j * 4, as: SIMD8<Float>.self)
                j += 8
            }
            while j < width { row[j] = 1 / (1 + exp(-(row[j] + bias[j]))); j += 1 }
        }
    }

    /// y = a * b elementwise; y may be a (each lane is read before it is written).
    @inline(__always)
    static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b), rawY = UnsafeMutableRawPointer(y)
        var i = 0
        while i + 8 <= count {
            let v = rawA.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * rawB.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            rawY.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { y[i] = a[i] * b[i]; i += 1 }
    }

    /// e^x for eight floats, within about 2 ulp of expf (Cephes' expf polynomial): x is
    /// clamped to where e^x is a normal float, split as n ln2 + r with |r| <= ln2 / 2,
    /// e^r from a degree-7 polynomial, 2^n put into the exponent bits.
    @inline(__always)
    static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let x = x.clampedBySign(lower: SIMD8(repeating: -87.3), upper: SIMD8(repeating: 88.3))
        // Adding 1.5 * 2^23 rounds x log2(e) to the nearest integer, left in the low bits.
        let shifter = SIMD8<Float>(repeating: 12_582_912)
        let shifted = x * SIMD8(repeating: 1.442_695_04) + shifter
        let n = shifted - shifter
        var r = x - n * SIMD8(repeating: 0.693_359_375)
        r -= n * SIMD8(repeating: -2.121_944_4e-4)
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + SIMD8(repeating: 1.398_199_95e-3)
        p = p * r + SIMD8(repeating: 8.333_451_9e-3)
        p = p * r + SIMD8(repeating: 4.166_579_59e-2)
        p = p * r + SIMD8(repeating: 1.666_666_55e-1)
        p = p * r + SIMD8(repeating: 5.000_000_12e-1)
        p = p * (r * r) + r + SIMD8(repeating: 1)
        let bits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: SIMD8<Float>.self)
        return p * scale
    }

    /// dy *= y (1 - y)
    static func sigmoidBackward(_ dy: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { dy[i] *= y[i] * (1 - y[i]) }
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
