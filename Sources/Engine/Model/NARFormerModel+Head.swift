/// The head both paper readouts share: features -> linear, ReLU,
/// dropout -> linear, ReLU, dropout -> linear -> prediction = -log sigmoid(logit), which
/// is always > 0.
extension NARFormerModel {
    func headForward(plan: ActivationPlan, dropout: Bool) -> [Float] {
        let c = config, b = batch.graphCount, fc = c.fcHidden, h = layout.head, s = plan.head
        let A = arena.pointer, P = parameters.pointer
        Linear.forward(x: A + s.features, rows: b, inDim: h.featureDim, weight: P + h.fc1Weight,
                       bias: P + h.fc1Bias, outDim: fc, y: A + s.fc1)
        Elementwise.relu(A + s.fc1, count: b * fc)
        if dropout { Elementwise.dropout(A + s.fc1, mask: A + s.fc1Mask, count: b * fc, rate: c.dropout, rng: &dropoutGenerator) }
        Linear.forward(x: A + s.fc1, rows: b, inDim: fc, weight: P + h.fc2Weight,
                       bias: P + h.fc2Bias, outDim: fc, y: A + s.fc2)
        Elementwise.relu(A + s.fc2, count: b * fc)
        if dropout { Elementwise.dropout(A + s.fc2, mask: A + s.fc2Mask, count: b * fc, rate: c.dropout, rng: &dropoutGenerator) }
        Linear.forward(x: A + s.fc2, rows: b, inDim: fc, weight: P + h.outWeight,
                       bias: P + h.outBias, outDim: 1, y: A + s.logits)
        return (0..<b).map { Elementwise.negativeLogSigmoid(A[s.logits + $0]) }
    }

    /// From d loss / d prediction to the head's gradients and d loss / d features, left
    /// in scratch `head4` for the readout's backward.
    func headBackward(predictionGradient: [Float], plan: ActivationPlan) {
        let c = config, b = batch.graphCount, fc = c.fcHidden, h = layout.head, s = plan.head, t = plan.scratch
        let A = arena.pointer, P = parameters.pointer, G = gradients.pointer
        let dropout = lastForwardUsedDropout
        for g in 0..<b {
            A[t.head1 + g] = predictionGradient[g] * Elementwise.negativeLogSigmoidDerivative(A[s.logits + g])
        }
        Linear.backward(dy: A + t.head1, x: A + s.fc2, rows: b, inDim: fc, outDim: 1, weight: P + h.outWeight,
                        dWeight: G + h.outWeight, dBias: G + h.outBias, dx: A + t.head2)
        if dropout { Elementwise.multiply(A + t.head2, by: A + s.fc2Mask, count: b * fc) }
        Elementwise.reluBackward(A + t.head2, output: A + s.fc2, count: b * fc)
        Linear.backward(dy: A + t.head2, x: A + s.fc1, rows: b, inDim: fc, outDim: fc, weight: P + h.fc2Weight,
                        dWeight: G + h.fc2Weight, dBias: G + h.fc2Bias, dx: A + t.head3)
        if dropout { Elementwise.multiply(A + t.head3, by: A + s.fc1Mask, count: b * fc) }
        Elementwise.reluBackward(A + t.head3, output: A + s.fc1, count: b * fc)
        Linear.backward(dy: A + t.head3, x: A + s.features, rows: b, inDim: h.featureDim, outDim: fc,
                        weight: P + h.fc1Weight, dWeight: G + h.fc1Weight, dBias: G + h.fc1Bias, dx: A + t.head4)
    }
}
