/// One labelled network as the training driver sees it: the model's input, the target,
/// and what evaluation and augmentation need besides.
public struct TrainingSample: Sendable, FamilySample {
    public var name: String
    public var graph: TokenGraph
    /// Latency in ms, or accuracy in %.
    public var target: Double
    public var family: String
    /// Whole-network costs (the FLOPs+MAC baseline); nil for cells.
    public var costs: NetworkCostSummary?
    /// The cell, for NAS-Bench-201 samples: the AC loss trains on its reorderings.
    public var cell: NB201Cell?

    public init(name: String, graph: TokenGraph, target: Double, family: String,
                costs: NetworkCostSummary? = nil, cell: NB201Cell? = nil) {
        self.name = name
        self.graph = graph
        self.target = target
        self.family = family
        self.costs = costs
        self.cell = cell
    }
}
