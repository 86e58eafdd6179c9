/// L2-SP (Li et al., ICML 2018): a fine-tune's loss gets `strength / 2 * |w - w0|^2`, the
/// squared distance of the weights from those the run started with, so the gradient gets
/// `strength * (w - w0)`.
///
/// Why toward the start and not toward zero (plain weight decay): a fine-tune starts from a
/// model that already fits what the new measurements do not speak about; the penalty lets
/// the weights move where the data pulls them and brings back those that only drift.
struct StartWeightPenalty {
    let strength: Float
    /// The weights at the start of the run, in the model's flat parameter order.
    let start: FloatBuffer

    /// Remembers the current `parameters` as the start.
    init(strength: Float, parameters: UnsafePointer<Float>, count: Int) {
        self.strength = strength
        start = FloatBuffer(count: count)
        start.pointer.update(from: parameters, count: count)
    }

    /// Adds the penalty's gradient to `gradients`: one pass over the flat buffers.
    func addGradient(parameters p: UnsafePointer<Float>, gradients g: UnsafeMutablePointer<Float>, count: Int) {
        let w0 = start.pointer
        let lambda = strength
        for i in 0..<count { g[i] += lambda * (p[i] - w0[i]) }
    }
}
