/// ReLU and clamping on sixteen floats without comparison masks. Built for baseline
/// x86-64 (SSE2), the standard library's `replacing(with:where:)` turns a lane mask into
/// per-lane integer moves and `clamped(lowerBound:upperBound:)` is an unspecialised call
/// (measured: each several times slower than the arithmetic around it). Here the sign
/// bit of a float, shifted across its lane, is the mask: a couple of vector instructions.
extension SIMD16 where Scalar == Float {
    /// max(self, 0) per lane for every non-NaN lane (-0 becomes +0).
    @inline(__always)
    var rectified: SIMD16<Float> {
        let bits = unsafeBitCast(self, to: SIMD16<Int32>.self)
        return unsafeBitCast(bits & ~(bits &>> 31), to: SIMD16<Float>.self)
    }

    /// Each lane clamped to [lower, upper], as `clamped(lowerBound:upperBound:)` for finite
    /// lanes: x - upper is negative exactly where x < upper, so its sign picks the lane.
    @inline(__always)
    func clampedBySign(lower: SIMD16<Float>, upper: SIMD16<Float>) -> SIMD16<Float> {
        let belowUpper = unsafeBitCast(self - upper, to: SIMD16<Int32>.self) &>> 31
        let x = Self.select(self, where: belowUpper, else: upper)
        let aboveLower = unsafeBitCast(lower - x, to: SIMD16<Int32>.self) &>> 31
        return Self.select(x, where: aboveLower, else: lower)
    }

    /// Lanes of `a` where `mask` is all ones, of `b` where it is all zeros.
    @inline(__always)
    private static func select(_ a: SIMD16<Float>, where mask: SIMD16<Int32>, else b: SIMD16<Float>) -> SIMD16<Float> {
        let ab = unsafeBitCast(a, to: SIMD16<Int32>.self), bb = unsafeBitCast(b, to: SIMD16<Int32>.self)
        return unsafeBitCast((ab & mask) | (bb & ~mask), to: SIMD16<Float>.self)
    }
}
