/// The latency model's readout: the last block's output pooled per
/// graph (sum or mean), next to ReLU(linear(static vector)); the two side by side are
/// the head's input (`features`, 2 x hidden per graph).
extension NARFormerModel {
    func latencyReadoutForward(lastBlockOutput x: UnsafeMutablePointer<Float>, plan: ActivationPlan) {
        let c = config, b = batch.graphCount, d = c.hidden, h = layout.head, s = plan.head
        let A = arena.pointer, P = parameters.pointer
        SegmentReadout.forward(x: x, width: d, offsets: batch.offsets, mean: c.readout == .mean,
                               y: A + s.pooled, rowStride: d)
        Linear.forward(x: A + plan.statics, rows: b, inDim: c.staticDim, weight: P + h.staticWeight,
                       bias: P + h.staticBias, outDim: d, y: A + s.staticOut)
        if lastForwardUsedDropout, c.feedForwardAndStaticDropout == true {
            Elementwise.dropout(A + s.staticOut, mask: A + s.staticMask, count: b * d, rate: c.dropout, rng: &dropoutGenerator)
        }
        Elementwise.relu(A + s.staticOut, count: b * d)
        for g in 0..<b {
            (A + s.features + g * 2 * d).update(from: A + s.pooled + g * d, count: d)
            (A + s.features + g * 2 * d + d).update(from: A + s.staticOut + g * d, count: d)
        }
    }

    /// From d loss / d features (the head's backward leaves it in scratch `head4`) to the
    /// static linear's gradients, and the pooled half added into `gradLastOutput`
    /// (d loss / d last block output, zeroed by the caller).
    func latencyReadoutBackward(plan: ActivationPlan, gradLastOutput: UnsafeMutablePointer<Float>) {
        let c = config, b = batch.graphCount, d = c.hidden, h = layout.head, s = plan.head, t = plan.scratch
        let A = arena.pointer, P = parameters.pointer, G = gradients.pointer
        let gStatic = A + t.head1
        for g in 0..<b { (gStatic + g * d).update(from: A + t.head4 + g * 2 * d + d, count: d) }
        Elementwise.reluBackward(gStatic, output: A + s.staticOut, count: b * d)
        // relu(m z) = m relu(z) for a mask m >= 0: the mask multiplies after the ReLU's gate.
        if lastForwardUsedDropout, c.feedForwardAndStaticDropout == true {
            Elementwise.multiply(gStatic, by: A + s.staticMask, count: b * d)
        }
        Linear.backward(dy: gStatic, x: A + plan.statics, rows: b, inDim: c.staticDim, outDim: d,
                        weight: P + h.staticWeight, dWeight: G + h.staticWeight, dBias: G + h.staticBias, dx: nil)
        SegmentReadout.backward(dy: A + t.head4, rowStride: 2 * d, width: d, offsets: batch.offsets,
                                mean: c.readout == .mean, dx: gradLastOutput)
    }
}
