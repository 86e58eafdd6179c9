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
            raw.storeBytes(of: v.replacing(with: 0, where: v .< 0), toByteOffset: i * 4, as: SIMD8<Float>.self)
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
            rawY.storeBytes(of: v.replacing(with: 0, where: v .< 0), toByteOffset: i * 4, as: SIMD8<Float>.self)
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

    static func sigmoid(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = 1 / (1 + exp(-x[i])) }
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
        for i in 0..<count { dy[i] *= mask[i] }
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
