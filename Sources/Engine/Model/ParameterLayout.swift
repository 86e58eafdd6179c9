/// Offsets of one block's tensors in the parameter buffer.
struct BlockParameters {
    let inDim: Int
    var scale = 0, degreeWeight = 0, degreeBias = 0, qkWeight = 0, qkBias = 0
    var aggWeight = 0, aggBias = 0, rootWeight = 0, normWeight = 0, normBias = 0
    var upWeight = 0, upBias = 0, upNormWeight = 0, upNormBias = 0
    var downWeight = 0, downBias = 0, downNormWeight = 0, downNormBias = 0
}

/// Offsets of the head's tensors; `staticWeight` etc. exist for the latency model,
/// `fusion*` for the accuracy model (the other set is -1).
struct HeadParameters {
    var staticWeight = -1, staticBias = -1
    var fusionHiddenWeight = -1, fusionHiddenBias = -1, fusionOutWeight = -1, fusionOutBias = -1
    var fc1Weight = 0, fc1Bias = 0, fc2Weight = 0, fc2Bias = 0, outWeight = 0, outBias = 0
    /// The node-cost readout's tensors (-1 for the paper's head).
    var readoutWeight = -1, readoutTokenWeight = -1, readoutBias = -1
    /// Width of the vector the head's first layer reads.
    var featureDim = 0
}

/// Builds the size table in the reference implementation's order and names.
struct ParameterLayout {
    var table = ParameterTable()
    var blocks: [BlockParameters] = []
    var head = HeadParameters()

    init(config c: ModelConfig) {
        let d = c.hidden, f = c.hidden * c.ffnRatio, g = c.groups
        for l in 0..<c.layers {
            let din = l == 0 ? c.inDim : d
            let p = "layers.\(l)."
            var b = BlockParameters(inDim: din)
            b.scale = table.add(p + "scale", [d], .constant(1e-4))
            if c.useDegree {
                b.degreeWeight = table.add(p + "degree.weight", [din, 1], .uniformByLastDim)
                b.degreeBias = table.add(p + "degree.bias", [din], .uniformByLastDim)
            }
            b.qkWeight = table.add(p + "qk.weight", [din, din], .uniformByLastDim)
            b.qkBias = table.add(p + "qk.bias", [din], .uniformByLastDim)
            b.aggWeight = table.add(p + "agg.weight", [d, din], .uniformByLastDim)
            b.aggBias = table.add(p + "agg.bias", [d], .uniformByLastDim)
            b.rootWeight = table.add(p + "root.weight", [d, din], .uniformByLastDim)
            b.normWeight = table.add(p + "ffn_norm.weight", [d], .constant(1))
            b.normBias = table.add(p + "ffn_norm.bias", [d], .constant(0))
            b.upWeight = table.add(p + "ffn_up.weight", [g, d / g, f / g], .xavier)
            b.upBias = table.add(p + "ffn_up.bias", [g, f / g], .constant(0))
            b.upNormWeight = table.add(p + "ffn_up.norm.weight", [f / g], .constant(1))
            b.upNormBias = table.add(p + "ffn_up.norm.bias", [f / g], .constant(0))
            b.downWeight = table.add(p + "ffn_down.weight", [g, f / g, d / g], .xavier)
            b.downBias = table.add(p + "ffn_down.bias", [g, d / g], .constant(0))
            b.downNormWeight = table.add(p + "ffn_down.norm.weight", [d / g], .constant(1))
            b.downNormBias = table.add(p + "ffn_down.norm.bias", [d / g], .constant(0))
            blocks.append(b)
        }
        if c.readout == .nodeCost {
            head.readoutWeight = table.add("readout.weight", [NodeCostReadout.terms, d], .uniformByLastDim)
            head.readoutTokenWeight = table.add("readout.token_weight", [NodeCostReadout.terms, c.inDim], .constant(0))
            head.readoutBias = table.add("readout.bias", [NodeCostReadout.terms], .constant(0))
            return
        }
        switch c.kind {
        case .latency:
            head.staticWeight = table.add("static.weight", [d, c.staticDim], .uniformByLastDim)
            head.staticBias = table.add("static.bias", [d], .uniformByLastDim)
            head.featureDim = 2 * d
        case .accuracy:
            let fh = c.fusionHidden
            head.fusionHiddenWeight = table.add("fusion.0.weight", [fh, c.layers * d], .uniformByLastDim)
            head.fusionHiddenBias = table.add("fusion.0.bias", [fh], .uniformByLastDim)
            head.fusionOutWeight = table.add("fusion.2.weight", [c.layers, fh], .uniformByLastDim)
            head.fusionOutBias = table.add("fusion.2.bias", [c.layers], .uniformByLastDim)
            head.featureDim = d
        }
        head.fc1Weight = table.add("fc1.weight", [c.fcHidden, head.featureDim], .uniformByLastDim)
        head.fc1Bias = table.add("fc1.bias", [c.fcHidden], .uniformByLastDim)
        head.fc2Weight = table.add("fc2.weight", [c.fcHidden, c.fcHidden], .uniformByLastDim)
        head.fc2Bias = table.add("fc2.bias", [c.fcHidden], .uniformByLastDim)
        head.outWeight = table.add("out.weight", [1, c.fcHidden], .uniformByLastDim)
        head.outBias = table.add("out.bias", [1], .uniformByLastDim)
    }

    /// Fills `parameters` as the authors' code initialises them, from one seeded generator in table order.
    func initialise(_ parameters: UnsafeMutablePointer<Float>, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for (entry, rule) in zip(table.entries, table.inits) {
            let p = parameters + entry.offset
            switch rule {
            case .constant(let v):
                p.update(repeating: v, count: entry.count)
            case .uniformByLastDim:
                let bound = 1 / Float(entry.shape[entry.shape.count - 1]).squareRoot()
                for i in 0..<entry.count { p[i] = rng.nextSymmetric(bound) }
            case .xavier:
                // torch's fan computation on [g, in/g, out/g]: receptive field = out/g.
                let receptive = entry.shape.dropFirst(2).reduce(1, *)
                let fanIn = entry.shape[1] * receptive, fanOut = entry.shape[0] * receptive
                let bound = (6 / Float(fanIn + fanOut)).squareRoot()
                for i in 0..<entry.count { p[i] = rng.nextSymmetric(bound) }
            }
        }
    }
}
