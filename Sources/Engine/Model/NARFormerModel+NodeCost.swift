/// The node-cost readout (`ModelConfig.Readout.nodeCost`) wired into the model's
/// forward and backward passes, beside the paper's head rather than inside it.
extension NARFormerModel {
    /// Predictions from the last block's output `h` and the packed tokens.
    func nodeCostReadout(blockOutput h: UnsafeMutablePointer<Float>, plan: ActivationPlan) -> [Float] {
        let c = config, A = arena.pointer, P = parameters.pointer, head = layout.head
        var predictions = [Float](repeating: 0, count: batch.graphCount)
        predictions.withUnsafeMutableBufferPointer { out in
            NodeCostReadout.forward(h: h, tokens: A + plan.input, rows: batch.nodeCount, hidden: c.hidden,
                                    tokenDim: c.inDim, weight: P + head.readoutWeight,
                                    tokenWeight: P + head.readoutTokenWeight, bias: P + head.readoutBias,
                                    offsets: batch.offsets, terms: A + plan.head.nodeTerms, predictions: out.baseAddress!)
        }
        return predictions
    }

    /// Backward through the readout, then through every block (gradients already zeroed).
    func nodeCostBackward(predictionGradient: [Float], plan: ActivationPlan) {
        let c = config, A = arena.pointer, P = parameters.pointer, G = gradients.pointer, head = layout.head
        let t = plan.scratch, last = plan.blocks[c.layers - 1].output
        var gradOut = A + t.gradOut, gradIn = A + t.gradIn
        predictionGradient.withUnsafeBufferPointer { dp in
            NodeCostReadout.backward(dPrediction: dp.baseAddress!, h: A + last, tokens: A + plan.input,
                                     rows: batch.nodeCount, hidden: c.hidden, tokenDim: c.inDim,
                                     weight: P + head.readoutWeight, offsets: batch.offsets, terms: A + plan.head.nodeTerms,
                                     dWeight: G + head.readoutWeight, dTokenWeight: G + head.readoutTokenWeight,
                                     dBias: G + head.readoutBias, dh: gradOut, scratch: A + t.a)
        }
        for l in stride(from: c.layers - 1, through: 0, by: -1) {
            blockBackward(l, gradOut: gradOut, gradIn: l > 0 ? gradIn : nil, plan: plan)
            swap(&gradOut, &gradIn)
        }
    }
}
