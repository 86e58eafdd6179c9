/// The costs of a whole network that the FLOPs+MAC baseline and the static features need.
public struct NetworkCostSummary: Sendable, Hashable, Codable {
    public var flops: Double
    public var params: Double
    public var memoryAccess: Double

    public init(flops: Double, params: Double, memoryAccess: Double) {
        self.flops = flops
        self.params = params
        self.memoryAccess = memoryAccess
    }
}

/// What the token cache keeps per (file, batch size, encoding): the model's input and
/// the costs, so a second run needs neither the ONNX parse nor shape inference.
public struct CachedTokens: Sendable, Hashable, Codable {
    public var graph: TokenGraph
    public var costs: NetworkCostSummary

    public init(graph: TokenGraph, costs: NetworkCostSummary) {
        self.graph = graph
        self.costs = costs
    }
}
