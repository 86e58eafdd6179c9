/// The node-cost readout (`ModelConfig.Readout.nodeCost`, latency models only): the
/// prediction is a sum over nodes of terms read from the last block's output and the
/// node's tokens (`NodeCostReadout`), in place of the paper's readout and head. A model
/// without blocks reads the tokens as its "last block's output".
extension NARFormerModel {
    /// Predictions from the last block's output `h` and the packed tokens.
    func nodeCostReadoutForward(blockOutput h: UnsafeMutablePointer<Float>, plan: ActivationPlan) -> [Float] {
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

    /// From d loss / d prediction to the readout's gradients and d loss / d last block
    /// output, written over `gradLastOutput`.
    func nodeCostReadoutBackward(predictionGradient: [Float], plan: ActivationPlan,
                                 gradLastOutput: UnsafeMutablePointer<Float>) {
        let c = config, A = arena.pointer, P = parameters.pointer, G = gradients.pointer, head = layout.head
        // Without blocks (`layers` 0) the readout's h is the tokens.
        let t = plan.scratch, last = c.layers > 0 ? plan.blocks[c.layers - 1].output : plan.input
        predictionGradient.withUnsafeBufferPointer { dp in
            NodeCostReadout.backward(dPrediction: dp.baseAddress!, h: A + last, tokens: A + plan.input,
                                     rows: batch.nodeCount, hidden: c.hidden, tokenDim: c.inDim,
                                     weight: P + head.readoutWeight, offsets: batch.offsets, terms: A + plan.head.nodeTerms,
                                     dWeight: G + head.readoutWeight, dTokenWeight: G + head.readoutTokenWeight,
                                     dBias: G + head.readoutBias, dh: gradLastOutput, scratch: A + t.a)
        }
    }
}
