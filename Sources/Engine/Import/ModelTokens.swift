/// Which tokens a model reads, as one value: a whole-network encoding or the NAS-Bench-201
/// cell tokens. The one place that names them: checkpoints store `storedName` as
/// `token_encoding`, and the token caches and the measured-token store key on it.
public enum ModelTokens: Hashable, Sendable, CustomStringConvertible {
    case network(TokenEncoding)
    case cell

    /// The paper's whole-network tokens.
    public static let baseline = ModelTokens.network(.baseline)

    /// Every whole-network encoding; a cell has only `.cell`.
    public static var networkEncodings: [ModelTokens] { TokenEncoding.allCases.map { .network($0) } }

    /// Every encoding a model may read a graph in: all whole-network encodings, or a cell's
    /// one. What the store keeps of a measured graph so that a retrain can fine-tune a model
    /// of any encoding on it.
    public static func storedEncodings(ofCell isCell: Bool) -> [ModelTokens] { isCell ? [.cell] : networkEncodings }

    public var storedName: String {
        switch self {
        case .network(.baseline): return "baseline-\(BaselineTokenizer.tokenDim)"
        case .network(.costs): return "costs-\(CostTokenizer.tokenDim)"
        case .network(.costs2): return "costs2-\(Costs2Tokenizer.tokenDim)"
        case .network(.costs3): return "costs3-\(Costs2Tokenizer.tokenDim)"
        case .cell: return "nb201-cell-\(NB201Cell.tokenDim)"
        }
    }

    public var description: String { storedName }

    /// Token width of a graph in this encoding.
    public var tokenDim: Int {
        switch self {
        case .network(.baseline): return BaselineTokenizer.tokenDim
        case .network(.costs): return CostTokenizer.tokenDim
        case .network(.costs2), .network(.costs3): return Costs2Tokenizer.tokenDim
        case .cell: return NB201Cell.tokenDim
        }
    }

    /// The encoding a stored name (a checkpoint's `token_encoding`) names; nil for a name
    /// no encoding makes. An empty name, written by checkpoints from before encodings had
    /// names, reads the baseline.
    public init?(storedName: String) {
        if storedName.isEmpty { self = .baseline; return }
        guard let match = (Self.networkEncodings + [.cell]).first(where: { $0.storedName == storedName }) else {
            return nil
        }
        self = match
    }

    /// The encoding a graph of tokens was made in, told by its shape: whole networks carry
    /// static features, cells do not; the token width tells the network encodings apart,
    /// except `costs2` and `costs3`, one layout with other counts: a 200-wide graph reads
    /// as `costs2`, which names its layout (op slots, cost columns) rightly for both.
    public init?(readBy graph: TokenGraph) {
        if graph.staticFeatures.isEmpty {
            guard graph.tokenDim == NB201Cell.tokenDim else { return nil }
            self = .cell
            return
        }
        guard let match = Self.networkEncodings.first(where: { $0.tokenDim == graph.tokenDim }) else { return nil }
        self = match
    }

    /// Whether `graph` has this encoding's shape (width, and static features for whole
    /// networks only).
    public func hasShape(of graph: TokenGraph) -> Bool {
        graph.tokenDim == tokenDim && graph.staticFeatures.isEmpty == (self == .cell)
    }

    /// The baseline and the cell tokens were stored before encodings had names; their
    /// token files keep the names without an encoding suffix, so older stores still train.
    public var hasUnsuffixedFileName: Bool { self == .baseline || self == .cell }
}

extension CheckpointMetadata {
    /// The tokens the model reads; nil for a `token_encoding` no encoding makes.
    public var tokens: ModelTokens? { ModelTokens(storedName: tokenEncoding) }
}
