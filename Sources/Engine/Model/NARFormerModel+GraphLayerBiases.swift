/// The authors' initialisation of the graph layers' biases.
extension NARFormerModel {
    /// Redraws every block's graph-layer biases (`degree.bias`, `qk.bias`, `agg.bias`) as
    /// torch_geometric's `Linear` initialises them, U(+-1/sqrt(fan_in)), in place of the
    /// U(+-1/sqrt(fan_out)) of the "thomas" rule `init` applies to every linear. In the
    /// authors' code these layers are torch_geometric Linears, which their init loop (over
    /// torch `nn.Linear`s) never reaches; their weights get U(+-1/sqrt(fan_in)) either way,
    /// so only the biases differ (most: `degree.bias`, fan-in 1, U(+-1) instead of
    /// U(+-1/sqrt(din))). Draws from its own stream of `seed`, so every other tensor keeps
    /// the values `init` gave it.
    public func initialiseGraphLayerBiasesAsTorchGeometric(seed: UInt64) {
        var rng = SplitMix64(seed: seed ^ 0x7067_B1A5_0000_0001)
        for l in 0..<config.layers {
            let din = l == 0 ? config.inDim : config.hidden
            var biases = [("qk.bias", din), ("agg.bias", din)]
            if config.useDegree { biases.insert(("degree.bias", 1), at: 0) }
            for (name, fanIn) in biases {
                guard let e = layout.table.entry(named: "layers.\(l).\(name)") else { continue }
                let bound = 1 / Float(fanIn).squareRoot()
                for i in 0..<e.count { parameters.pointer[e.offset + i] = rng.nextSymmetric(bound) }
            }
        }
    }
}
