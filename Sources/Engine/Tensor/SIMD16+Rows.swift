/// The engine's own vector loops run on sixteen floats, `SIMD16<Float>`: one 512-bit
/// instruction per operation on an AVX-512 build, two 256-bit ones on an AVX2 build, four
/// SSE ones on baseline x86-64. The lanes, the operations and their order are the same on
/// every build (there is no fast-math), so the build's vector width never changes a result.
///
/// A row whose width is 8 mod 16 (the paper's 152-wide tokens) ends in a half block:
/// eight floats in the low lanes, zeros above, through the same lane-wise code, and only
/// the low lanes stored. A lane computes what it would in a full block, so a value does
/// not depend on where the blocks fall; the few floats after that take a scalar loop.
extension SIMD16 where Scalar == Float {
    /// Floats `j ..< j + 16` of `base`, or with `half` floats `j ..< j + 8` and zeros.
    @inline(__always)
    init(_ base: UnsafePointer<Float>, at j: Int, half: Bool) {
        let raw = UnsafeRawPointer(base + j)
        if half {
            self.init(lowHalf: raw.loadUnaligned(as: SIMD8<Float>.self), highHalf: SIMD8())
        } else {
            self = raw.loadUnaligned(as: SIMD16<Float>.self)
        }
    }

    /// Writes the lanes to floats `j ..< j + 16` of `base`, or with `half` the low eight.
    @inline(__always)
    func store(to base: UnsafeMutablePointer<Float>, at j: Int, half: Bool) {
        let raw = UnsafeMutableRawPointer(base + j)
        if half {
            raw.storeBytes(of: lowHalf, as: SIMD8<Float>.self)
        } else {
            raw.storeBytes(of: self, as: SIMD16<Float>.self)
        }
    }
}

/// The blocks of a row of floats, as the vector loops walk it.
enum RowBlocks {
    /// Calls `body(j, false)` for j = 0, 16, 32, ... while sixteen floats are left, then
    /// `body(j, true)` once if eight are left; returns where the caller's scalar loop
    /// starts (fewer than eight floats remain). `body` is inlined, `half` a constant at
    /// each call, so the loop holds no branch on it.
    @inline(__always)
    static func forEach(_ count: Int, _ body: (_ j: Int, _ half: Bool) -> Void) -> Int {
        var j = 0
        while j + 16 <= count {
            body(j, false)
            j += 16
        }
        if j + 8 <= count {
            body(j, true)
            j += 8
        }
        return j
    }
}
