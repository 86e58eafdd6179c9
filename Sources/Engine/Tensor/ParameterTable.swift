/// One named tensor inside the contiguous parameter buffer.
public struct ParameterEntry: Sendable, Hashable {
    public let name: String
    public let shape: [Int]
    /// First float of the tensor inside the buffer.
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
}

/// How a parameter is initialised (as the authors' PyTorch code does).
enum ParameterInit: Sendable {
    /// U(+-1/sqrt(last dimension)): the authors' init of dense weights and biases.
    case uniformByLastDim
    /// torch's xavier_uniform_ on the whole [g, in/g, out/g] tensor.
    case xavier
    case constant(Float)
}

/// The size table of every parameter of a model, in the reference implementation's
/// order and with its names: the layout of the parameter, gradient and Adam buffers.
public struct ParameterTable: Sendable {
    public private(set) var entries: [ParameterEntry] = []
    private(set) var inits: [ParameterInit] = []
    private var index: [String: Int] = [:]
    public private(set) var totalCount = 0

    /// Appends a tensor and returns its offset.
    @discardableResult
    mutating func add(_ name: String, _ shape: [Int], _ initialiser: ParameterInit) -> Int {
        let entry = ParameterEntry(name: name, shape: shape, offset: totalCount)
        index[name] = entries.count
        entries.append(entry)
        inits.append(initialiser)
        totalCount += entry.count
        return entry.offset
    }

    public func entry(named name: String) -> ParameterEntry? {
        index[name].map { entries[$0] }
    }
}
