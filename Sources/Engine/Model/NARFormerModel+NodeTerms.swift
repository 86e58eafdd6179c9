/// The node-cost readout's per-node terms, for code that adapts such a model to a new
/// machine without gradient steps (a per-node-group correction of the rates fitted in
/// closed form needs each node's compute, memory and overhead terms, not only their sum).
extension NARFormerModel {
    /// For each graph, its nodes' terms `[compute, memory, overhead]` row by row
    /// (`nodeCount` x 3, in the model's output units: the graph's prediction is their sum).
    /// Only for the node-cost readout; no dropout, no gradients, one graph per pass as
    /// `predict` does.
    public func nodeCostTerms(_ graphs: [TokenGraph]) throws -> [[Float]] {
        guard config.readout == .nodeCost else {
            throw EngineError.invalidConfig("per-node terms exist only for the node-cost readout")
        }
        var out: [[Float]] = []
        out.reserveCapacity(graphs.count)
        for graph in graphs {
            _ = try forward([graph], training: false)
            let plan = ActivationPlan(config: config, nodes: batch.nodeCount, directedEdges: batch.directedEdgeCount,
                                      graphs: batch.graphCount, dropout: false, keepForBackward: false)
            let count = batch.nodeCount * NodeCostReadout.terms
            out.append(Array(UnsafeBufferPointer(start: arena.pointer + plan.head.nodeTerms, count: count)))
        }
        if arena.count > Self.keptInferenceArena {
            arena.release()
            batch = PackedBatch()
        }
        return out
    }
}
