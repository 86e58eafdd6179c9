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
        for r in 0..<rows {
            let d = degree[r], o = r * width
            for c in 0..<width {
                let s = gate[o + c], g = dy[o + c]
                let pre = g * x[o + c] * s * (1 - s)
                dWeight[c] += pre * d
                dBias[c] += pre
                dx?[o + c] = g * s
            }
        }
    }
}
