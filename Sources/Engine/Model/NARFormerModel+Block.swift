/// One block of the model: a graph-attention half that aggregates each
/// node's neighbours into `preNorm`, then a feed-forward half, hidden = ReLU(L2Normalize(
/// preNorm)) and out = hidden + scale * FFN(hidden). Each half has its training forward,
/// its backward and (for the feed-forward half) its fused inference variant side by side.
extension NARFormerModel {
    func blockForward(_ l: Int, input x: UnsafeMutablePointer<Float>, plan: ActivationPlan, dropout: Bool) {
        attentionForward(l, input: x, plan: plan, training: true)
        ffnForward(l, plan: plan, dropout: dropout)
    }

    /// The same block for inference: no stores for backward, pointwise steps fused into
    /// passes over cache-hot rows (`ffnInference`).
    func blockInference(_ l: Int, input x: UnsafeMutablePointer<Float>, plan: ActivationPlan) {
        attentionForward(l, input: x, plan: plan, training: false)
        ffnInference(l, plan: plan)
    }

    /// Consumes `gradOut` (d loss / d block output, overwritten) and writes d loss / d
    /// block input into `gradIn` when given.
    func blockBackward(_ l: Int, gradOut: UnsafeMutablePointer<Float>, gradIn: UnsafeMutablePointer<Float>?,
                       plan: ActivationPlan) {
        ffnBackward(l, gradOut: gradOut, plan: plan)
        attentionBackward(l, gradPreNorm: gradOut, gradIn: gradIn, plan: plan)
    }

    // MARK: Graph attention: x -> preNorm

    /// The degree gate, q, edge-wise attention, then agg(P x) + root(x) into the block's
    /// `preNorm`. Inference (`training` false) keeps only the gate rows it reads and leaves
    /// agg's bias out of `preNorm`: the next fused pass adds it
    /// (`FusedInference.normaliseReLULayerNorm`).
    func attentionForward(_ l: Int, input x: UnsafeMutablePointer<Float>, plan: ActivationPlan, training: Bool) {
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

    /// From d loss / d `preNorm` (read, not changed) to the attention half's parameter
    /// gradients and d loss / d block input into `gradIn` when given.
    func attentionBackward(_ l: Int, gradPreNorm gh: UnsafeMutablePointer<Float>,
                           gradIn: UnsafeMutablePointer<Float>?, plan: ActivationPlan) {
        let c = config, n = batch.nodeCount, d = c.hidden
        let bp = layout.blocks[l], s = plan.blocks[l], din = bp.inDim, t = plan.scratch
        let A = arena.pointer, P = parameters.pointer, G = gradients.pointer
        let x = l == 0 ? A + plan.input : A + plan.blocks[l - 1].output
        let xe = c.useDegree ? A + s.enhanced : x
        let s1 = A + t.a, s3 = A + t.c, s4 = A + t.d
        Linear.backward(dy: gh, x: A + s.message, rows: n, inDim: din, outDim: d, weight: P + bp.aggWeight,
                        dWeight: G + bp.aggWeight, dBias: G + bp.aggBias, dx: s1)
        Linear.backward(dy: gh, x: xe, rows: n, inDim: din, outDim: d, weight: P + bp.rootWeight,
                        dWeight: G + bp.rootWeight, dBias: nil, dx: s3)
        GraphAttention.backward(dm: s1, q: A + s.q, x: xe, graph: batch.adjacency, rows: n, width: din,
                                score: A + s.score, rowScale: A + s.rowScale, edgeScratch: A + t.edges,
                                dx: s3, dq: s4)
        Elementwise.sigmoidBackward(s4, output: A + s.q, count: n * din)
        Linear.backward(dy: s4, x: xe, rows: n, inDim: din, outDim: din, weight: P + bp.qkWeight,
                        dWeight: G + bp.qkWeight, dBias: G + bp.qkBias, dx: s3, accumulateInput: true)
        if c.useDegree {
            DegreeEnhancement.backward(dy: s3, x: x, gate: A + s.gate, degree: A + plan.degree, rows: n, width: din,
                                       dWeight: G + bp.degreeWeight, dBias: G + bp.degreeBias, dx: gradIn)
        } else if let gradIn {
            gradIn.update(from: s3, count: n * din)
        }
    }

    // MARK: Feed-forward with residual: preNorm -> output

    /// hidden = dropout(ReLU(L2Normalize(preNorm))), then LayerNorm, the grouped up
    /// projection, LayerNorm + ReLU, the grouped down projection, LayerNorm, and
    /// out = hidden + scale * that.
    func ffnForward(_ l: Int, plan: ActivationPlan, dropout: Bool) {
        let c = config, n = batch.nodeCount, d = c.hidden, f = d * c.ffnRatio, g = c.groups
        let bp = layout.blocks[l], s = plan.blocks[l]
        let A = arena.pointer, P = parameters.pointer
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
        let innerDropout = dropout && c.feedForwardAndStaticDropout == true
        if innerDropout { Elementwise.dropout(A + s.upAct, mask: A + s.upMask, count: n * f, rate: c.dropout, rng: &dropoutGenerator) }
        GroupedLinear.forward(x: A + s.upAct, rows: n, inDim: f, outDim: d, groups: g,
                              weight: P + bp.downWeight, bias: P + bp.downBias, y: A + s.downHat)
        LayerNorm.forward(xToNormalised: A + s.downHat, rows: n * g, width: d / g, weight: P + bp.downNormWeight,
                          bias: P + bp.downNormBias, rstd: A + s.downRstd, y: A + s.downOut)
        if innerDropout { Elementwise.dropout(A + s.downOut, mask: A + s.downMask, count: n * d, rate: c.dropout, rng: &dropoutGenerator) }
        let out = A + s.output, v = A + s.downOut, scale = P + bp.scale
        for r in 0..<n {
            let o = r * d
            var j = RowBlocks.forEach(d) { j, half in
                (SIMD16(hidden + o, at: j, half: half) + SIMD16(scale, at: j, half: half) * SIMD16(v + o, at: j, half: half))
                    .store(to: out + o, at: j, half: half)
            }
            while j < d { out[o + j] = hidden[o + j] + scale[j] * v[o + j]; j += 1 }
        }
    }

    /// Rows per chunk of the inference feed-forward, by the kernel set OpenBLAS loaded.
    /// Its AVX-512 sets have an unpacked small-matrix path (m x n x k up to 1e6): 48 rows
    /// keep a group's up (48 x 64 x 256 in the paper config) and down (48 x 256 x 64)
    /// products on it, which spares re-packing the group's weights and activations on
    /// every call (measured faster than one call over all rows, and 48 no slower than
    /// 16 to 56). The other sets pack on every call, so fewer, larger calls pay less:
    /// with the Haswell kernels the OpenBLAS calls of a 186-node inference took 2-3% less
    /// time with 192-row chunks than with 48 (docs/performance.md). The chunk bounds the
    /// arena's share.
    static let inferenceRowChunk = inferenceRowChunk(kernelSet: BLASKernels.loadedKernelSet)

    static func inferenceRowChunk(kernelSet: String) -> Int {
        blasKernelClass(ofCoreName: kernelSet) == .avx512 ? 48 : 192
    }

    /// The feed-forward half for inference: agg's bias, the L2 norm, the ReLU and the
    /// first LayerNorm in one pass per row; the grouped linears' biases added in the
    /// LayerNorm passes instead of a separate pass over their output; each group's up,
    /// norm and down run back to back on a chunk of rows while its chunk x f/g block is
    /// in cache.
    func ffnInference(_ l: Int, plan: ActivationPlan) {
        let c = config, n = batch.nodeCount, d = c.hidden, f = d * c.ffnRatio, g = c.groups
        let bp = layout.blocks[l], s = plan.blocks[l]
        let A = arena.pointer, P = parameters.pointer
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

    /// Turns `gradOut` (d loss / d block output) in place into d loss / d `preNorm`: the
    /// feed-forward's gradient plus the residual's, back through dropout, ReLU and the
    /// L2 norm.
    func ffnBackward(_ l: Int, gradOut: UnsafeMutablePointer<Float>, plan: ActivationPlan) {
        let c = config, n = batch.nodeCount, d = c.hidden, f = d * c.ffnRatio, g = c.groups
        let bp = layout.blocks[l], s = plan.blocks[l], t = plan.scratch
        let A = arena.pointer, P = parameters.pointer, G = gradients.pointer
        let s1 = A + t.a, s3 = A + t.c

        // out = hidden + scale * v
        let v = A + s.downOut, scale = P + bp.scale, dScale = G + bp.scale
        for r in 0..<n {
            let o = r * d
            var j = RowBlocks.forEach(d) { j, half in
                let g = SIMD16(gradOut + o, at: j, half: half)
                (SIMD16(dScale, at: j, half: half) + g * SIMD16(v + o, at: j, half: half)).store(to: dScale, at: j, half: half)
                (g * SIMD16(scale, at: j, half: half)).store(to: s1 + o, at: j, half: half)
            }
            while j < d {
                dScale[j] += gradOut[o + j] * v[o + j]
                s1[o + j] = gradOut[o + j] * scale[j]
                j += 1
            }
        }
        // The feed-forward's own masks (zero offsets when its dropout was off).
        let innerDropout = lastForwardUsedDropout && c.feedForwardAndStaticDropout == true
        if innerDropout { Elementwise.multiply(s1, by: A + s.downMask, count: n * d) }
        LayerNorm.backward(dyToDx: s1, normalised: A + s.downHat, rstd: A + s.downRstd, rows: n * g, width: d / g,
                           weight: P + bp.downNormWeight, dWeight: G + bp.downNormWeight, dBias: G + bp.downNormBias)
        GroupedLinear.backward(dy: s1, x: A + s.upAct, rows: n, inDim: f, outDim: d, groups: g,
                               weight: P + bp.downWeight, dWeight: G + bp.downWeight, dBias: G + bp.downBias, dx: s3)
        if innerDropout { Elementwise.multiply(s3, by: A + s.upMask, count: n * f) }
        Elementwise.reluBackward(s3, output: A + s.upAct, count: n * f)
        LayerNorm.backward(dyToDx: s3, normalised: A + s.upHat, rstd: A + s.upRstd, rows: n * g, width: f / g,
                           weight: P + bp.upNormWeight, dWeight: G + bp.upNormWeight, dBias: G + bp.upNormBias)
        GroupedLinear.backward(dy: s3, x: A + s.normOut, rows: n, inDim: d, outDim: f, groups: g,
                               weight: P + bp.upWeight, dWeight: G + bp.upWeight, dBias: G + bp.upBias, dx: s1)
        LayerNorm.backward(dyToDx: s1, normalised: A + s.normHat, rstd: A + s.normRstd, rows: n, width: d,
                           weight: P + bp.normWeight, dWeight: G + bp.normWeight, dBias: G + bp.normBias)
        let gh = gradOut
        Elementwise.add(s1, to: gh, count: n * d)
        if lastForwardUsedDropout { Elementwise.multiply(gh, by: A + s.dropMask, count: n * d) }
        Elementwise.reluBackward(gh, output: A + s.normalised, count: n * d)
        L2Normalize.backward(dyToDx: gh, output: A + s.normalised, inverseNorm: A + s.inverseNorm, rows: n, width: d)
    }
}
