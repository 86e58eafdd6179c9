import Foundation

/// torch.optim.Adam (no weight decay, no amsgrad) over the flat parameter buffer: one
/// loop over parameters, gradients and the two moment buffers.
struct Adam {
    var beta1: Float = 0.9
    var beta2: Float = 0.999
    var epsilon: Float = 1e-8
    /// Steps taken so far (torch's `state['step']`).
    private(set) var step = 0
    let firstMoment: FloatBuffer
    let secondMoment: FloatBuffer

    init(count: Int) {
        firstMoment = FloatBuffer(count: count)
        secondMoment = FloatBuffer(count: count)
    }

    /// p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), as torch computes it.
    mutating func update(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                         count: Int, learningRate: Float) {
        step += 1
        let correction1 = 1 - pow(Double(beta1), Double(step))
        let correction2 = 1 - pow(Double(beta2), Double(step))
        let stepSize = Float(Double(learningRate) / correction1)
        let correction2Root = Float(correction2.squareRoot())
        let m = firstMoment.pointer, v = secondMoment.pointer
        let b1 = beta1, b2 = beta2, eps = epsilon
        // Sixteen at a time, each lane the scalar loop's operations in its order.
        let b1V = SIMD16<Float>(repeating: b1), b2V = SIMD16<Float>(repeating: b2)
        let c1V = SIMD16<Float>(repeating: 1 - b1), c2V = SIMD16<Float>(repeating: 1 - b2)
        let stepV = SIMD16<Float>(repeating: stepSize), rootV = SIMD16<Float>(repeating: correction2Root)
        let epsV = SIMD16<Float>(repeating: eps)
        let start = RowBlocks.forEach(count) { i, half in
            let gi = SIMD16(g, at: i, half: half)
            let mi = b1V * SIMD16(m, at: i, half: half) + c1V * gi
            let vi = b2V * SIMD16(v, at: i, half: half) + c2V * gi * gi
            mi.store(to: m, at: i, half: half)
            vi.store(to: v, at: i, half: half)
            (SIMD16(p, at: i, half: half) - stepV * mi / (vi.squareRoot() / rootV + epsV)).store(to: p, at: i, half: half)
        }
        for i in start..<count {
            let gi = g[i]
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi * gi
            p[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2Root + eps)
        }
    }
}
