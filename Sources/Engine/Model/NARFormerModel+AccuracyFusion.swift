/// The accuracy model's readout: every block's output averaged per
/// graph, and a small network (linear, ReLU, linear, sigmoid) of those means weighing
/// them; the weighted sum of the means is the head's input (`features`, hidden per
/// graph).
extension NARFormerModel {
    func accuracyFusionForward(plan: ActivationPlan) {
        let c = config, b = batch.graphCount, d = c.hidden, h = layout.head, s = plan.head
        let A = arena.pointer, P = parameters.pointer
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

    /// From d loss / d features (the head's backward leaves it in scratch `head4`) to the
    /// fusion network's gradients and d loss / d means, left in scratch `head2` for
    /// `accuracyFusionBackward(into:gradOutput:plan:)`.
    func accuracyFusionBackward(plan: ActivationPlan) {
        let c = config, b = batch.graphCount, d = c.hidden, h = layout.head, s = plan.head, t = plan.scratch
        let A = arena.pointer, P = parameters.pointer, G = gradients.pointer
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

    /// Adds block `l`'s share of d loss / d means to `gradOutput` (d loss / d that block's
    /// output), just before the block's backward consumes it: every block's output feeds
    /// the fusion, not only the last one's.
    func accuracyFusionBackward(into l: Int, gradOutput: UnsafeMutablePointer<Float>, plan: ActivationPlan) {
        let c = config, d = c.hidden
        SegmentReadout.backward(dy: arena.pointer + plan.scratch.head2 + l * d, rowStride: c.layers * d, width: d,
                                offsets: batch.offsets, mean: true, dx: gradOutput)
    }
}
