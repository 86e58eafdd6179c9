/// The shape of a NAR-Former V2 model: everything that decides the parameter layout
/// plus the training-time dropout rate. Stored in every checkpoint's metadata.
public struct ModelConfig: Codable, Sendable, Hashable {
    /// Which head sits on the blocks: a whole-network latency model or a cell accuracy model.
    public enum Kind: String, Codable, Sendable {
        /// Sum readout of the last block, concatenated with the static branch.
        case latency
        /// Per-block mean readouts, fused by a learned weight per block.
        case accuracy
    }

    /// How node states become one vector per graph (latency model only; the accuracy
    /// model always takes per-block means).
    public enum Readout: String, Codable, Sendable, CaseIterable {
        case sum
        case mean
        /// Not the paper's head: per-node latency terms summed per graph
        /// (`NodeCostReadout`); reads the `costs` tokens' cost columns.
        case nodeCost = "node-cost"
    }

    public var kind: Kind
    /// Token width C.
    public var inDim: Int
    /// Block width d.
    public var hidden: Int
    public var layers: Int
    /// Groups of the grouped linears in the feed-forward part.
    public var groups: Int
    /// Feed-forward expansion (4 in the paper).
    public var ffnRatio: Int
    /// Width of the head's hidden layers.
    public var fcHidden: Int
    /// Static vector width (latency model; ignored by the accuracy model).
    public var staticDim: Int
    /// Type-aware enhancement by node degree.
    public var useDegree: Bool
    public var readout: Readout
    /// Dropout rate after the block ReLU and the head ReLUs when training.
    public var dropout: Float
    /// Also drop out (same rate) where the authors' code does beyond the paper's text:
    /// after the feed-forward's ReLU, after its down projection, and between the static
    /// branch's Linear and its ReLU (latency). A training setting like `dropout`; nil (the
    /// default, and every checkpoint from before it existed) is false.
    public var feedForwardAndStaticDropout: Bool?

    public init(kind: Kind, inDim: Int, hidden: Int, layers: Int, groups: Int, ffnRatio: Int,
                fcHidden: Int, staticDim: Int, useDegree: Bool = true, readout: Readout = .sum,
                dropout: Float = 0.05) {
        self.kind = kind
        self.inDim = inDim
        self.hidden = hidden
        self.layers = layers
        self.groups = groups
        self.ffnRatio = ffnRatio
        self.fcHidden = fcHidden
        self.staticDim = staticDim
        self.useDegree = useDegree
        self.readout = readout
        self.dropout = dropout
    }

    /// The paper's latency model: 152-dim tokens, 2 blocks of 512, static branch of 40.
    public static let paperLatency = ModelConfig(
        kind: .latency, inDim: 152, hidden: 512, layers: 2, groups: 8, ffnRatio: 4,
        fcHidden: 512, staticDim: 40)

    /// The paper's accuracy model: 6 blocks of 512, fusion 3072 -> 768 -> 6.
    public static func paperAccuracy(inDim: Int = 128) -> ModelConfig {
        ModelConfig(kind: .accuracy, inDim: inDim, hidden: 512, layers: 6, groups: 8, ffnRatio: 4,
                    fcHidden: 512, staticDim: 0, readout: .mean)
    }

    /// Width of the fusion MLP's hidden layer: a quarter of the concatenated means
    /// (3072 -> 768 in the paper, 48 -> 12 in the reference fixture).
    public var fusionHidden: Int { layers * hidden / 4 }

    /// The reasons this configuration cannot be built, empty when it can.
    public var problems: [String] {
        var out: [String] = []
        if inDim < 1 { out.append("inDim must be at least 1 (is \(inDim))") }
        if hidden < 1 { out.append("hidden must be at least 1 (is \(hidden))") }
        // No blocks at all is the node-cost readout on the tokens themselves (an ablation:
        // what the blocks add); its width is then the token width.
        if layers < 0 || (layers == 0 && readout != .nodeCost) {
            out.append("layers must be at least 1 (is \(layers)); 0 only with the node-cost readout")
        }
        if layers == 0, readout == .nodeCost, hidden != inDim {
            out.append("without blocks the node-cost readout reads the tokens: hidden must equal the token width \(inDim) (is \(hidden))")
        }
        if groups < 1 { out.append("groups must be at least 1 (is \(groups))") }
        if ffnRatio < 1 { out.append("ffnRatio must be at least 1 (is \(ffnRatio))") }
        if fcHidden < 1 { out.append("fcHidden must be at least 1 (is \(fcHidden))") }
        if groups >= 1, hidden % groups != 0 { out.append("hidden (\(hidden)) is not divisible by groups (\(groups))") }
        if kind == .latency, staticDim < 1 { out.append("a latency model needs staticDim >= 1 (is \(staticDim))") }
        if kind == .accuracy, layers * hidden < 4 { out.append("layers x hidden is too small for the fusion MLP") }
        if readout == .nodeCost, kind != .latency { out.append("the node-cost readout is for latency models only") }
        if readout == .nodeCost, inDim <= NodeCostReadout.costColumns.max() ?? 0 {
            out.append("the node-cost readout reads token columns \(NodeCostReadout.costColumns) but tokens are \(inDim) wide")
        }
        if !(dropout >= 0 && dropout < 1) { out.append("dropout must be in [0, 1) (is \(dropout))") }
        return out
    }
}
