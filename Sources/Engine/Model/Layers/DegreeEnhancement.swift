/// Type-aware enhancement: x * sigmoid(W_deg * deg + b_deg), W_deg [din, 1].
enum DegreeEnhancement {
    /// Writes the gate and the enhanced x.
    static func forward(x: UnsafePointer<Float>, degree: UnsafePointer<Float>, rows: Int, width: Int,
                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                        gate: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let d = degree[r], o = r * width
            for c in 0..<width {
                let s = Elementwise.sigmoid(weight[c] * d + bias[c])
                gate[o + c] = s
                y[o + c] = x[o + c] * s
            }
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
