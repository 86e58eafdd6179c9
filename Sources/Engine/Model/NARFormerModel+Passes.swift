/// The whole model's forward and backward passes: the input, every block, then one of
/// the readouts and (for the paper's readouts) the head. Each step is one file
/// (`NARFormerModel+Input`, `+Block`, `+LatencyReadout`, `+AccuracyFusion`, `+NodeCost`,
/// `+Head`) with its forward and backward side by side.
extension NARFormerModel {
    /// Packs the batch, runs every block and the head. Returns one prediction per graph.
    /// A training pass keeps the activations in the arena for `backward`; an inference
    /// pass (`training` false) keeps only what the next step reads, in a compact arena,
    /// and leaves nothing for `backward` (which then does nothing).
    /// With `embeddings`, each graph's pooled representation (`embeddingWidth` floats per
    /// graph: the mean of the last block's output over its nodes) is written there as well.
    func forward(_ graphs: [TokenGraph], training: Bool,
                 embeddings: UnsafeMutablePointer<Float>? = nil) throws -> [Float] {
        try batch.pack(graphs, config: config)
        let c = config
        let dropout = training && c.dropout > 0
        let plan = ActivationPlan(config: c, nodes: batch.nodeCount, directedEdges: batch.directedEdgeCount,
                                  graphs: batch.graphCount, dropout: dropout, keepForBackward: training)
        arena.reserve(plan.total)
        self.plan = training ? plan : nil
        lastForwardUsedDropout = dropout
        inputForward(graphs, plan: plan)

        let A = arena.pointer
        var x = UnsafeMutablePointer(A + plan.input)
        for l in 0..<c.layers {
            if training {
                blockForward(l, input: x, plan: plan, dropout: dropout)
            } else {
                blockInference(l, input: x, plan: plan)
            }
            x = A + plan.blocks[l].output
        }
        if let embeddings { meanPool(x, into: embeddings) }
        if c.readout == .nodeCost { return nodeCostReadoutForward(blockOutput: x, plan: plan) }
        switch c.kind {
        case .latency: latencyReadoutForward(lastBlockOutput: x, plan: plan)
        case .accuracy: accuracyFusionForward(plan: plan)
        }
        return headForward(plan: plan, dropout: dropout)
    }

    /// Gradients of a loss with d loss / d prediction = `predictionGradient` (one per graph
    /// of the last forward batch), written over `gradients` (not accumulated across calls).
    func backward(predictionGradient: [Float]) {
        guard let plan else { return }
        let c = config, n = batch.nodeCount, d = c.hidden
        precondition(predictionGradient.count == batch.graphCount, "one gradient per prediction")
        gradients.zero()
        let A = arena.pointer, t = plan.scratch
        var gradOut = A + t.gradOut, gradIn = A + t.gradIn
        let fusion = c.readout != .nodeCost && c.kind == .accuracy
        if c.readout == .nodeCost {
            nodeCostReadoutBackward(predictionGradient: predictionGradient, plan: plan, gradLastOutput: gradOut)
        } else {
            headBackward(predictionGradient: predictionGradient, plan: plan)
            gradOut.update(repeating: 0, count: n * d)
            switch c.kind {
            case .latency: latencyReadoutBackward(plan: plan, gradLastOutput: gradOut)
            case .accuracy: accuracyFusionBackward(plan: plan)
            }
        }
        for l in stride(from: c.layers - 1, through: 0, by: -1) {
            if fusion { accuracyFusionBackward(into: l, gradOutput: gradOut, plan: plan) }
            blockBackward(l, gradOut: gradOut, gradIn: l > 0 ? gradIn : nil, plan: plan)
            swap(&gradOut, &gradIn)
        }
    }
}
