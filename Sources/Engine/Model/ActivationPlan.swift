/// Where each activation of one forward/backward pass lives in the arena, for a batch
/// of a given shape. Offsets only: the arena's base pointer is added at use, so the
/// plan is recomputed per batch for free and the arena is reallocated only when a
/// batch is larger than every earlier one.
struct ActivationPlan {
    struct Block {
        var gate = 0, enhanced = 0, q = 0, score = 0, rowScale = 0, message = 0
        var preNorm = 0, inverseNorm = 0, normalised = 0, hidden = 0, dropMask = 0
        var normHat = 0, normRstd = 0, normOut = 0
        var upHat = 0, upRstd = 0, upAct = 0
        var downHat = 0, downRstd = 0, downOut = 0
        var output = 0
        /// The feed-forward's own dropout masks (`feedForwardAndStaticDropout`).
        var upMask = 0, downMask = 0
    }

    struct Head {
        var pooled = 0, staticOut = 0, means = 0, fusionHidden = 0, fusionWeights = 0
        var features = 0, fc1 = 0, fc1Mask = 0, fc2 = 0, fc2Mask = 0, logits = 0
        /// The static branch's dropout mask (`feedForwardAndStaticDropout`).
        var staticMask = 0
        /// The node-cost readout's per-node terms.
        var nodeTerms = 0
    }

    /// Backward scratch shared by all blocks.
    struct Scratch {
        var a = 0, b = 0, c = 0, d = 0, edges = 0, gradIn = 0, gradOut = 0
        var head1 = 0, head2 = 0, head3 = 0, head4 = 0
    }

    /// The packed tokens, the node degrees and the static vectors of the batch.
    var input = 0, degree = 0, statics = 0
    var blocks: [Block] = []
    var head = Head()
    var scratch = Scratch()
    private(set) var total = 0

    private mutating func take(_ count: Int) -> Int {
        let o = total
        // Keep every tensor 16-float aligned so SIMD loads start on a cache line.
        total += (count + 15) & ~15
        return o
    }

    /// With `keepForBackward` false (inference) only what the next step reads is kept:
    /// all blocks share one set of buffers (outputs alternate between two), tensors that
    /// only backward reads are not placed, and no backward scratch is taken. The arena
    /// stays a few block-widths of the batch, small enough to stay in cache at batch 1.
    init(config c: ModelConfig, nodes n: Int, directedEdges e: Int, graphs b: Int, dropout: Bool,
         keepForBackward: Bool = true) {
        let d = c.hidden, f = c.hidden * c.ffnRatio, g = c.groups
        var widest = max(c.inDim, d)
        input = take(n * c.inDim); degree = take(n)
        if c.kind == .latency { statics = take(b * c.staticDim) }
        if c.readout == .nodeCost { head.nodeTerms = take(n * NodeCostReadout.terms) }
        if !keepForBackward {
            placeInference(config: c, nodes: n, directedEdges: e)
            placeHead(config: c, graphs: b, dropout: false)
            return
        }
        for l in 0..<c.layers {
            let din = l == 0 ? c.inDim : d
            var s = Block()
            if c.useDegree { s.gate = take(n * din); s.enhanced = take(n * din) }
            s.q = take(n * din); s.score = take(e); s.rowScale = take(n); s.message = take(n * din)
            s.preNorm = take(n * d); s.inverseNorm = take(n); s.normalised = take(n * d); s.hidden = take(n * d)
            if dropout { s.dropMask = take(n * d) }
            s.normHat = take(n * d); s.normRstd = take(n); s.normOut = take(n * d)
            s.upHat = take(n * f); s.upRstd = take(n * g); s.upAct = take(n * f)
            s.downHat = take(n * d); s.downRstd = take(n * g); s.downOut = take(n * d)
            s.output = take(n * d)
            if dropout && c.feedForwardAndStaticDropout == true { s.upMask = take(n * f); s.downMask = take(n * d) }
            blocks.append(s)
        }
        let featureDim = placeHead(config: c, graphs: b, dropout: dropout)
        widest = max(widest, f)
        scratch.a = take(n * widest); scratch.b = take(n * widest); scratch.c = take(n * widest)
        scratch.d = take(n * widest); scratch.edges = take(e)
        scratch.gradIn = take(n * widest); scratch.gradOut = take(n * widest)
        let headWidest = max(featureDim, c.fcHidden, c.layers * d, c.fusionHidden, d)
        scratch.head1 = take(b * headWidest); scratch.head2 = take(b * headWidest)
        scratch.head3 = take(b * headWidest); scratch.head4 = take(b * headWidest)
    }

    /// One block's working set, shared by every block: q then the LayerNorm output in one
    /// buffer, the messages then the down projection in another, the pre-norm sum turned
    /// into the hidden state in place, one row chunk of one group's up projection
    /// (normalised in place). The gate and the enhanced x (layer 0 reads the tokens, later
    /// layers the previous output) and the outputs, which alternate so a block never
    /// writes the buffer it reads (one per block for the accuracy head, which reads them
    /// all).
    private mutating func placeInference(config c: ModelConfig, nodes n: Int, directedEdges e: Int) {
        let d = c.hidden, f = c.hidden * c.ffnRatio, g = c.groups
        let wide = max(c.inDim, d)
        var s = Block()
        if c.useDegree { s.gate = take(n * wide); s.enhanced = take(n * wide) }
        s.q = take(n * wide); s.normOut = s.q
        s.score = take(e); s.rowScale = take(n)
        s.message = take(n * wide); s.downHat = s.message; s.downOut = s.message
        s.preNorm = take(n * d); s.normalised = s.preNorm; s.hidden = s.preNorm
        s.inverseNorm = take(n); s.normRstd = take(n)
        s.upHat = take(min(n, NARFormerModel.inferenceRowChunk) * f / g); s.upAct = s.upHat
        s.upRstd = take(n * g); s.downRstd = take(n * g)
        // The accuracy head reads every block's output; the latency head only the last.
        let outputs = c.kind == .accuracy ? (0..<c.layers).map { _ in take(n * d) } : [take(n * d), take(n * d)]
        blocks = (0..<c.layers).map { l in
            var block = s
            block.output = outputs[l % outputs.count]
            return block
        }
    }

    @discardableResult
    private mutating func placeHead(config c: ModelConfig, graphs b: Int, dropout: Bool) -> Int {
        let d = c.hidden, fc = c.fcHidden
        switch c.kind {
        case .latency:
            head.pooled = take(b * d); head.staticOut = take(b * d)
        case .accuracy:
            head.means = take(b * c.layers * d); head.fusionHidden = take(b * c.fusionHidden)
            head.fusionWeights = take(b * c.layers)
        }
        let featureDim = c.kind == .latency ? 2 * d : d
        head.features = take(b * featureDim)
        head.fc1 = take(b * fc); head.fc2 = take(b * fc); head.logits = take(b)
        if dropout { head.fc1Mask = take(b * fc); head.fc2Mask = take(b * fc) }
        if dropout, c.feedForwardAndStaticDropout == true, c.kind == .latency { head.staticMask = take(b * d) }
        return featureDim
    }
}
