/// The model's input: the batch's tokens, node degrees and (latency) static vectors
/// copied into the arena, where the first block, the degree gates, the latency readout
/// and the node-cost readout read them. The tokens feed the first block's linears
/// directly (there is no embedding table), and nothing upstream of them takes a
/// gradient, so this step has no backward.
extension NARFormerModel {
    func inputForward(_ graphs: [TokenGraph], plan: ActivationPlan) {
        let A = arena.pointer
        var filled = 0
        for graph in graphs {
            graph.tokens.withUnsafeBufferPointer {
                if let base = $0.baseAddress { (A + plan.input + filled).update(from: base, count: $0.count) }
                filled += $0.count
            }
        }
        batch.degree.withUnsafeBufferPointer { (A + plan.degree).update(from: $0.baseAddress!, count: $0.count) }
        if config.kind == .latency, !batch.statics.isEmpty {
            batch.statics.withUnsafeBufferPointer { (A + plan.statics).update(from: $0.baseAddress!, count: $0.count) }
        }
    }
}
