/// Type-aware enhancement: x * sigmoid(W_deg * deg + b_deg), W_deg [din, 1].
enum DegreeEnhancement {
    /// Writes the gate and the enhanced x.
    static func forward(x: UnsafePointer<Float>, degree: UnsafePointer<Float>, rows: Int, width: Int,
                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                        gate: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) {
        // The gate depends on the degree only: compute it once per distinct degree.
        var firstRowOfDegree: [Float: Int] = [:]
        for r in 0..<rows {
            let d = degree[r], o = r * width
            if let first = firstRowOfDegree[d] {
                (gate + o).update(from: gate + first * width, count: width)
            } else {
                firstRowOfDegree[d] = r
                for c in 0..<width { gate[o + c] = Elementwise.sigmoid(weight[c] * d + bias[c]) }
            }
            for c in 0..<width { y[o + c] = x[o + c] * gate[o + c] }
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
