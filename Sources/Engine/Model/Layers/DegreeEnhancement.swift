/// Type-aware enhancement: x * sigmoid(W_deg * deg + b_deg), W_deg [din, 1].
enum DegreeEnhancement {
    /// Writes the enhanced x, and the gate of every row when `keepGate` (backward reads
    /// it per row). Without it, only the first row of each distinct degree holds its gate
    /// and the other rows of `gate` are left as they were: inference skips that copy.
    static func forward(x: UnsafePointer<Float>, degree: UnsafePointer<Float>, rows: Int, width: Int,
                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                        gate: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>,
                        keepGate: Bool = true) {
        // The gate depends on the degree only: compute it once per distinct degree.
        var firstRowOfDegree: [Float: Int] = [:]
        for r in 0..<rows {
            let d = degree[r], o = r * width
            let rowGate: UnsafePointer<Float>
            if let first = firstRowOfDegree[d] {
                rowGate = UnsafePointer(gate + first * width)
                if keepGate { (gate + o).update(from: rowGate, count: width) }
            } else {
                firstRowOfDegree[d] = r
                for c in 0..<width { gate[o + c] = Elementwise.sigmoid(weight[c] * d + bias[c]) }
                rowGate = UnsafePointer(gate + o)
            }
            Elementwise.multiply(x + o, rowGate, into: y + o, count: width)
        }
    }

    /// dx = dy * gate (written, not added); accumulates dW, db.
    static func backward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                         degree: UnsafePointer<Float>, rows: Int, width: Int,
                         dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
                         dx: UnsafeMutablePointer<Float>?) {
        let one = SIMD16<Float>(repeating: 1)
        for r in 0..<rows {
            let d = degree[r], o = r * width
            let dV = SIMD16<Float>(repeating: d)
            var c = RowBlocks.forEach(width) { c, half in
                let s = SIMD16(gate + o, at: c, half: half), g = SIMD16(dy + o, at: c, half: half)
                let pre = g * SIMD16(x + o, at: c, half: half) * s * (one - s)
                (SIMD16(dWeight, at: c, half: half) + pre * dV).store(to: dWeight, at: c, half: half)
                (SIMD16(dBias, at: c, half: half) + pre).store(to: dBias, at: c, half: half)
                if let dx { (g * s).store(to: dx + o, at: c, half: half) }
            }
            while c < width {
                let s = gate[o + c], g = dy[o + c]
                let pre = g * x[o + c] * s * (1 - s)
                dWeight[c] += pre * d
                dBias[c] += pre
                dx?[o + c] = g * s
                c += 1
            }
        }
    }
}
