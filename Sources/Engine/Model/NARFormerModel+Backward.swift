extension NARFormerModel {
    /// Gradients of a loss with d loss / d prediction = `predictionGradient` (one per graph
    /// of the last forward batch), written over `gradients` (not accumulated across calls).
    func backward(predictionGradient: [Float]) {
        guard let plan else { return }
        let c = config, b = batch.graphCount, n = batch.nodeCount, d = c.hidden, fc = c.fcHidden
        precondition(predictionGradient.count == b, "one gradient per prediction")
        gradients.zero()
        if c.readout == .nodeCost { return nodeCostBackward(predictionGradient: predictionGradient, plan: plan) }
        let A = arena.pointer, P = parameters.pointer, G = gradients.pointer
        let h = layout.head, s = plan.head, t = plan.scratch
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

        var gradOut = A + t.gradOut, gradIn = A + t.gradIn
        gradOut.update(repeating: 0, count: n * d)
        switch c.kind {
        case .latency:
            let gStatic = A + t.head1
            for g in 0..<b { (gStatic + g * d).update(from: A + t.head4 + g * 2 * d + d, count: d) }
            Elementwise.reluBackward(gStatic, output: A + s.staticOut, count: b * d)
            Linear.backward(dy: gStatic, x: A + plan.statics, rows: b, inDim: c.staticDim, outDim: d,
                            weight: P + h.staticWeight, dWeight: G + h.staticWeight, dBias: G + h.staticBias, dx: nil)
            SegmentReadout.backward(dy: A + t.head4, rowStride: 2 * d, width: d, offsets: batch.offsets,
                                    mean: c.readout == .mean, dx: gradOut)
        case .accuracy:
            let L = c.layers, fh = c.fusionHidden
            let gWeights = A + t.head1, gMeans = A + t.head2, gFusion = A + t.head3
            for g in 0..<b {
                let gf = A + t.head4 + g * d
                for l in 0..<L {
                    let m = A + s.means + g * L * d + l * d, gm = gMeans + g * L * d + l * d
                    let w = A[s.fusionWeights + g * L + l]
                    var dot: Float = 0
                    for j in 0..<d { dot += gf[j] * m[j]; gm[j] = w * gf[j] }
                    gWeights[g * L + l] = dot
                }
            }
            Elementwise.sigmoidBackward(gWeights, output: A + s.fusionWeights, count: b * L)
            Linear.backward(dy: gWeights, x: A + s.fusionHidden, rows: b, inDim: fh, outDim: L,
                            weight: P + h.fusionOutWeight, dWeight: G + h.fusionOutWeight,
                            dBias: G + h.fusionOutBias, dx: gFusion)
            Elementwise.reluBackward(gFusion, output: A + s.fusionHidden, count: b * fh)
            Linear.backward(dy: gFusion, x: A + s.means, rows: b, inDim: L * d, outDim: fh,
                            weight: P + h.fusionHiddenWeight, dWeight: G + h.fusionHiddenWeight,
                            dBias: G + h.fusionHiddenBias, dx: gMeans, accumulateInput: true)
        }
        for l in stride(from: c.layers - 1, through: 0, by: -1) {
            if c.kind == .accuracy {
                SegmentReadout.backward(dy: A + t.head2 + l * d, rowStride: c.layers * d, width: d,
                                        offsets: batch.offsets, mean: true, dx: gradOut)
            }
            blockBackward(l, gradOut: gradOut, gradIn: l > 0 ? gradIn : nil, plan: plan)
            swap(&gradOut, &gradIn)
        }
    }

    /// Consumes `gradOut` (d loss / d block output, overwritten) and writes d loss / d
    /// block input into `gradIn` when given.
    func blockBackward(_ l: Int, gradOut: UnsafeMutablePointer<Float>, gradIn: UnsafeMutablePointer<Float>?,
                               plan: ActivationPlan) {
        let c = config, n = batch.nodeCount, d = c.hidden, f = d * c.ffnRatio, g = c.groups
        let bp = layout.blocks[l], s = plan.blocks[l], din = bp.inDim, t = plan.scratch
        let A = arena.pointer, P = parameters.pointer, G = gradients.pointer
        let x = l == 0 ? A + plan.input : A + plan.blocks[l - 1].output
        let xe = c.useDegree ? A + s.enhanced : x
        let s1 = A + t.a, s3 = A + t.c, s4 = A + t.d

        // out = hidden + scale * v
        let v = A + s.downOut, scale = P + bp.scale, dScale = G + bp.scale
        for r in 0..<n {
            let o = r * d
            for j in 0..<d {
                dScale[j] += gradOut[o + j] * v[o + j]
                s1[o + j] = gradOut[o + j] * scale[j]
            }
        }
        LayerNorm.backward(dyToDx: s1, normalised: A + s.downHat, rstd: A + s.downRstd, rows: n * g, width: d / g,
                           weight: P + bp.downNormWeight, dWeight: G + bp.downNormWeight, dBias: G + bp.downNormBias)
        GroupedLinear.backward(dy: s1, x: A + s.upAct, rows: n, inDim: f, outDim: d, groups: g,
                               weight: P + bp.downWeight, dWeight: G + bp.downWeight, dBias: G + bp.downBias, dx: s3)
        Elementwise.reluBackward(s3, output: A + s.upAct, count: n * f)
        LayerNorm.backward(dyToDx: s3, normalised: A + s.upHat, rstd: A + s.upRstd, rows: n * g, width: f / g,
                           weight: P + bp.upNormWeight, dWeight: G + bp.upNormWeight, dBias: G + bp.upNormBias)
        GroupedLinear.backward(dy: s3, x: A + s.normOut, rows: n, inDim: d, outDim: f, groups: g,
                               weight: P + bp.upWeight, dWeight: G + bp.upWeight, dBias: G + bp.upBias, dx: s1)
        LayerNorm.backward(dyToDx: s1, normalised: A + s.normHat, rstd: A + s.normRstd, rows: n, width: d,
                           weight: P + bp.normWeight, dWeight: G + bp.normWeight, dBias: G + bp.normBias)
        let gh = gradOut
        for i in 0..<(n * d) { gh[i] += s1[i] }
        if lastForwardUsedDropout { Elementwise.multiply(gh, by: A + s.dropMask, count: n * d) }
        Elementwise.reluBackward(gh, output: A + s.normalised, count: n * d)
        L2Normalize.backward(dyToDx: gh, output: A + s.normalised, inverseNorm: A + s.inverseNorm, rows: n, width: d)

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
}
