/// The model's pooled embedding of a network: the mean over its nodes of the last block's
/// output (the tokens themselves for a model without blocks). It is what the readouts
/// see of a whole graph, so networks the model represents alike lie close in it; the
/// novelty score measures distances there.
extension NARFormerModel {
    /// Floats per graph of `predictWithEmbeddings`.
    public var embeddingWidth: Int { config.layers > 0 ? config.hidden : config.inDim }

    /// Predictions (as `predict`) and every graph's pooled embedding, `embeddingWidth`
    /// floats per graph, row-major, in the order of `graphs`.
    public func predictWithEmbeddings(_ graphs: [TokenGraph]) throws -> (predictions: [Float], embeddings: [Float]) {
        var embeddings = [Float](repeating: 0, count: graphs.count * embeddingWidth)
        let predictions = try embeddings.withUnsafeMutableBufferPointer { buffer in
            try predict(graphs, embeddings: buffer.baseAddress)
        }
        return (predictions, embeddings)
    }

    /// Mean of `x`'s rows per graph of the packed batch into `out` (graph after graph).
    func meanPool(_ x: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let width = embeddingWidth
        for g in 0..<batch.graphCount {
            let first = batch.offsets[g], end = batch.offsets[g + 1]
            let row = out + g * width
            row.update(repeating: 0, count: width)
            for node in first..<end {
                let source = x + node * width
                for j in 0..<width { row[j] += source[j] }
            }
            let scale = 1 / Float(max(1, end - first))
            for j in 0..<width { row[j] *= scale }
        }
    }
}
