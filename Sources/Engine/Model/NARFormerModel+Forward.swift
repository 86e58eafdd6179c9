extension NARFormerModel {
    /// Packs the batch, runs every block and the head. Returns one prediction per graph.
    /// A training pass keeps the activations in the arena for `backward`; an inference
    /// pass (`training` false) keeps only what the next step reads, in a compact arena,
    /// and leaves nothing for `backward` (which then does nothing).
    func forward(_ graphs: [TokenGraph], training: Bool) throws -> [Float] {
        try batch.pack(graphs, config: config)
        let c = config, n = batch.nodeCount, b = batch.graphCount
        let dropout = training && c.dropout > 0
        let plan = ActivationPlan(config: c, nodes: n, directedEdges: batch.directedEdgeCount, graphs: b,
                                  dropout: dropout, keepForBackward: training)
        arena.reserve(plan.total)
        self.plan = training ? plan : nil
        lastForwardUsedDropout = dropout
        let A = arena.pointer, P = parameters.pointer
        var filled = 0
        for graph in graphs {
            graph.tokens.withUnsafeBufferPointer {
                if let base = $0.baseAddress { (A + plan.input + filled).update(from: base, count: $0.count) }
                filled += $0.count
            }
        }
        batch.degree.withUnsafeBufferPointer { (A + plan.degree).update(from: $0.baseAddress!, count: $0.count) }
        if c.kind == .latency, !batch.statics.isEmpty {
            batch.statics.withUnsafeBufferPointer { (A + plan.statics).update(from: $0.baseAddress!, count: $0.count) }
        }

        var x = UnsafeMutablePointer(A + plan.input)
        for l in 0..<c.layers {
            if training {
                blockForward(l, input: x, plan: plan, dropout: dropout)
            } else {
                blockInference(l, input: x, plan: plan)
            }
            x = A + plan.blocks[l].output
        }
        if c.readout == .nodeCost { return nodeCostReadout(blockOutput: x, plan: plan) }

        let d = c.hidden, fc = c.fcHidden, h = layout.head, s = plan.head
        switch c.kind {
        case .latency:
            SegmentReadout.forward(x: x, width: d, offsets: batch.offsets, mean: c.readout == .mean,
                                   y: A + s.pooled, rowStride: d)
            Linear.forward(x: A + plan.statics, rows: b, inDim: c.staticDim, weight: P + h.staticWeight,
                           bias: P + h.staticBias, outDim: d, y: A + s.staticOut)
            Elementwise.relu(A + s.staticOut, count: b * d)
            for g in 0..<b {
                (A + s.features + g * 2 * d).update(from: A + s.pooled + g * d, count: d)
                (A + s.features + g * 2 * d + d).update(from: A + s.staticOut + g * d, count: d)
            }
        case .accuracy:
            let L = c.layers, fh = c.fusionHidden
            for l in 0..<L {
                SegmentReadout.forward(x: A + plan.blocks[l].output, width: d, offsets: batch.offsets, mean: true,
                                       y: A + s.means + l * d, rowStride: L * d)
            }
            Linear.forward(x: A + s.means, rows: b, inDim: L * d, weight: P + h.fusionHiddenWeight,
                           bias: P + h.fusionHiddenBias, outDim: fh, y: A + s.fusionHidden)
            Elementwise.relu(A + s.fusionHidden, count: b * fh)
            Linear.forward(x: A + s.fusionHidden, rows: b, inDim: fh, weight: P + h.fusionOutWeight,
                           bias: P + h.fusionOutBias, outDim: L, y: A + s.fusionWeights)
            Elementwise.sigmoid(A + s.fusionWeights, count: b * L)
            for g in 0..<b {
                let f = A + s.features + g * d
                f.update(repeating: 0, count: d)
                for l in 0..<L {
                    let w = A[s.fusionWeights + g * L + l], m = A + s.means + g * L * d + l * d
                    for j in 0..<d { f[j] += w * m[j] }
                }
            }
        }
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

    /// The first half of a block: the degree gate, q, edge-wise attention, then
    /// agg(P x) + root(x) into the block's `preNorm`. Inference (`training` false) keeps
    /// only the gate rows it reads and leaves agg's bias out of `preNorm`: the next fused
    /// pass adds it (`FusedInference.normaliseReLULayerNorm`).
    private func attentionForward(_ l: Int, input x: UnsafeMutablePointer<Float>, plan: ActivationPlan, training: Bool) {
        let c = config, n = batch.nodeCount, d = c.hidden
        let bp = layout.blocks[l], s = plan.blocks[l], din = bp.inDim
        let A = arena.pointer, P = parameters.pointer
        var xe = x
        if c.useDegree {
            DegreeEnhancement.forward(x: x, degree: A + plan.degree, rows: n, width: din,
                                      weight: P + bp.degreeWeight, bias: P + bp.degreeBias,
                                      gate: A + s.gate, y: A + s.enhanced, keepGate: training)
            xe = A + s.enhanced
        }
        // q's bias goes in with the sigmoid's pass (the same sum as a bias-first GEMM).
        Linear.forward(x: xe, rows: n, inDim: din, weight: P + bp.qkWeight, bias: nil, outDim: din, y: A + s.q)
        Elementwise.sigmoid(A + s.q, rows: n, width: din, addingBias: P + bp.qkBias)
        GraphAttention.forward(q: A + s.q, x: xe, graph: batch.adjacency, rows: n, width: din,
                               score: A + s.score, rowScale: A + s.rowScale, m: A + s.message)
        Linear.forward(x: A + s.message, rows: n, inDim: din, weight: P + bp.aggWeight,
                       bias: training ? P + bp.aggBias : nil, outDim: d, y: A + s.preNorm)
        Linear.forward(x: xe, rows: n, inDim: din, weight: P + bp.rootWeight, bias: nil, outDim: d,
                       y: A + s.preNorm, accumulate: true)
    }

    private func blockForward(_ l: Int, input x: UnsafeMutablePointer<Float>, plan: ActivationPlan, dropout: Bool) {
        let c = config, n = batch.nodeCount, d = c.hidden, f = d * c.ffnRatio, g = c.groups
        let bp = layout.blocks[l], s = plan.blocks[l]
        let A = arena.pointer, P = parameters.pointer
        attentionForward(l, input: x, plan: plan, training: true)
        L2Normalize.forward(x: A + s.preNorm, rows: n, width: d, inverseNorm: A + s.inverseNorm, y: A + s.normalised)
        let hidden = A + s.hidden
        Elementwise.relu(A + s.normalised, into: hidden, count: n * d)
        if dropout { Elementwise.dropout(hidden, mask: A + s.dropMask, count: n * d, rate: c.dropout, rng: &dropoutGenerator) }

        LayerNorm.forward(x: hidden, normalised: A + s.normHat, rows: n, width: d, weight: P + bp.normWeight,
                          bias: P + bp.normBias, rstd: A + s.normRstd, y: A + s.normOut)
        GroupedLinear.forward(x: A + s.normOut, rows: n, inDim: d, outDim: f, groups: g,
                              weight: P + bp.upWeight, bias: P + bp.upBias, y: A + s.upHat)
        LayerNorm.forward(x: A + s.upHat, normalised: A + s.upHat, rows: n * g, width: f / g, weight: P + bp.upNormWeight,
                          bias: P + bp.upNormBias, rstd: A + s.upRstd, y: A + s.upAct, relu: true)
        GroupedLinear.forward(x: A + s.upAct, rows: n, inDim: f, outDim: d, groups: g,
                              weight: P + bp.downWeight, bias: P + bp.downBias, y: A + s.downHat)
        LayerNorm.forward(xToNormalised: A + s.downHat, rows: n * g, width: d / g, weight: P + bp.downNormWeight,
                          bias: P + bp.downNormBias, rstd: A + s.downRstd, y: A + s.downOut)
        let out = A + s.output, v = A + s.downOut, scale = P + bp.scale
        for r in 0..<n {
            let o = r * d
            for j in 0..<d { out[o + j] = hidden[o + j] + scale[j] * v[o + j] }
        }
    }

    /// Rows per chunk of the inference feed-forward: small enough that OpenBLAS takes its
    /// unpacked small-matrix path (m x n x k up to 1e6) for a group's up (48 x 64 x 256
    /// in the paper config) and down (48 x 256 x 64) products, which spares it re-packing
    /// the group's weights and activations on every call; measured faster than one call
    /// over all rows at both batch 1 and batch 16, and 48 no slower than 32 (README, Speed).
    static let inferenceRowChunk = 48

    /// The same block for inference: no stores for backward, the pointwise steps fused
    /// into passes over cache-hot rows (`FusedInference`), biases of the grouped linears
    /// added in the LayerNorm pass instead of a separate pass over their output, and each
    /// group's up, norm and down run back to back on a chunk of rows while its
    /// chunk x f/g block is in cache.
    private func blockInference(_ l: Int, input x: UnsafeMutablePointer<Float>, plan: ActivationPlan) {
        let c = config, n = batch.nodeCount, d = c.hidden, f = d * c.ffnRatio, g = c.groups
        let bp = layout.blocks[l], s = plan.blocks[l]
        let A = arena.pointer, P = parameters.pointer
        attentionForward(l, input: x, plan: plan, training: false)
        let hidden = A + s.hidden
        FusedInference.normaliseReLULayerNorm(hidden, rows: n, width: d, addingBias: P + bp.aggBias,
                                              weight: P + bp.normWeight, bias: P + bp.normBias, out: A + s.normOut)
        // Group-major: a group's weights stay in cache across all chunks of rows. The up
        // projection of one chunk goes to one contiguous block reused by every chunk and
        // group. Same sums as the training path, other order of the GEMM calls.
        let gi = d / g, go = f / g, block = A + s.upHat
        for k in 0..<g {
            for first in stride(from: 0, to: n, by: Self.inferenceRowChunk) {
                let rows = min(Self.inferenceRowChunk, n - first)
                sgemm(transA: false, transB: false, m: rows, n: go, k: gi, a: A + s.normOut + first * d + k * gi,
                      lda: d, b: P + bp.upWeight + k * gi * go, ldb: go, beta: 0, c: block, ldc: go)
                FusedInference.biasLayerNorm(block, rows: rows, groups: 1, width: go, inputBias: P + bp.upBias + k * go,
                                             weight: P + bp.upNormWeight, bias: P + bp.upNormBias, relu: true)
                sgemm(transA: false, transB: false, m: rows, n: gi, k: go, a: block, lda: go,
                      b: P + bp.downWeight + k * go * gi, ldb: gi, beta: 0, c: A + s.downHat + first * d + k * gi,
                      ldc: d)
            }
        }
        FusedInference.biasLayerNormResidual(A + s.downHat, rows: n, groups: g, width: d / g,
                                             inputBias: P + bp.downBias, weight: P + bp.downNormWeight,
                                             bias: P + bp.downNormBias, hidden: hidden, scale: P + bp.scale,
                                             out: A + s.output)
    }
}
