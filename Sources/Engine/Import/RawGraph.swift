/// A tensor whose shape (and, when small, values) the importer knows without running
/// anything: an initializer, a Constant's value or a graph input.
public struct TensorInfo: Sendable, Hashable {
    public var dims: [Int]
    public var dataType: Int32
    /// The elements, for small numeric tensors (shape vectors, axes, scales); `nil` when
    /// the tensor is large or its data lives elsewhere. Large weights are never read.
    public var values: [Double]?

    public init(dims: [Int], dataType: Int32 = 1, values: [Double]? = nil) {
        self.dims = dims
        self.dataType = dataType
        self.values = values
    }
}

/// Integer attributes and shape values are clamped to this magnitude when read: no real
/// network needs more, and it keeps every product of two of them far from overflow
/// (tensor dimensions are bounded by `maxDimension`).
let maxAttributeMagnitude = 1 << 30
/// The largest tensor dimension the importer accepts.
let maxDimension = 1 << 31

func boundedInt(_ v: Int64) -> Int {
    Int(min(max(v, -Int64(maxAttributeMagnitude)), Int64(maxAttributeMagnitude)))
}

/// One attribute value of an operation.
public enum AttributeValue: Sendable, Hashable {
    case int(Int)
    case ints([Int])
    case float(Float)
    case floats([Float])
    case string(String)
    case tensor(TensorInfo)
    case other

    var asInt: Int? {
        switch self {
        case .int(let v): return v
        case .ints(let v): return v.first
        case .float(let v): return Int(exactly: v.rounded()) 
        default: return nil
        }
    }

    var asInts: [Int]? {
        switch self {
        case .ints(let v): return v
        case .int(let v): return [v]
        default: return nil
        }
    }

    var asFloats: [Float]? {
        switch self {
        case .floats(let v): return v
        case .float(let v): return [v]
        default: return nil
        }
    }
}

/// One operation as a file states it: tensors by name, before shapes are known.
public struct RawNode: Sendable {
    public var name: String
    public var op: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: AttributeValue]
    /// Output shapes the file states (graph JSON); used when the op's shapes cannot be
    /// inferred, checked against the inference when they can.
    public var declaredOutputShape: [Int]?

    public init(name: String, op: String, inputs: [String], outputs: [String], attributes: [String: AttributeValue],
                declaredOutputShape: [Int]? = nil) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.declaredOutputShape = declaredOutputShape
    }
}

/// A whole file's network before graph building: what the ONNX and graph-JSON readers
/// produce. Graph inputs carry a shape whose first dimension may be symbolic (`nil`).
public struct RawGraph: Sendable {
    public var nodes: [RawNode]
    public var initializers: [String: TensorInfo]
    public var inputs: [(name: String, dims: [Int?])]
    public var opset: Int

    public init(nodes: [RawNode], initializers: [String: TensorInfo], inputs: [(name: String, dims: [Int?])], opset: Int) {
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.opset = opset
    }
}
