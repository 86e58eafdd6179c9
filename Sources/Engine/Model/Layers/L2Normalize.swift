/// Row-wise L2 normalisation y = x / max(||x||, 1e-12), as torch's F.normalize.
enum L2Normalize {
    static let eps: Float = 1e-12

    /// Writes y and the per-row 1 / max(||x||, eps).
    static func forward(x: UnsafePointer<Float>, rows: Int, width: Int,
                        inverseNorm: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * width, out = y + r * width
            let ss = VectorReductions.dot(row, row, width)
            let inv = 1 / max(ss.squareRoot(), eps)
            inverseNorm[r] = inv
            Elementwise.scale(row, by: inv, into: out, count: width)
        }
    }

    /// dy -> dx in place. Where the norm was clamped the map is a plain scaling.
    static func backward(dyToDx g: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>,
                         inverseNorm: UnsafePointer<Float>, rows: Int, width: Int) {
        for r in 0..<rows {
            let gr = g + r * width, yr = y + r * width
            let inv = inverseNorm[r]
            if inv >= 1 / eps {
                Elementwise.scale(gr, by: inv, into: gr, count: width)
                continue
            }
            let dot = VectorReductions.dot(gr, yr, width)
            let dotV = SIMD16<Float>(repeating: dot), invV = SIMD16<Float>(repeating: inv)
            var j = RowBlocks.forEach(width) { j, half in
                ((SIMD16(gr, at: j, half: half) - SIMD16(yr, at: j, half: half) * dotV) * invV).store(to: gr, at: j, half: half)
            }
            while j < width { gr[j] = (gr[j] - yr[j] * dot) * inv; j += 1 }
        }
    }
}
