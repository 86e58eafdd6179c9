import Foundation

/// Predictions with their novelty, and the summary of a model's training networks.
extension TrainedModel {
    /// The tokens the model reads: its checkpoint's encoding, else what the graph's shape says.
    func tokensRead(_ graph: TokenGraph) -> ModelTokens? {
        metadata.tokens ?? ModelTokens(readBy: graph)
    }

    /// Predictions in the target's unit (as `predictValues`) and, when the model carries a
    /// novelty summary, each graph's novelty against it (nil without a summary).
    public func predictWithNovelty(_ graphs: [TokenGraph], batchSize: Int = 64) throws -> (values: [Double], novelty: [Novelty]?) {
        guard let summary = noveltySummary else { return (try predictValues(graphs, batchSize: batchSize), nil) }
        var values: [Double] = []
        var novelty: [Novelty] = []
        values.reserveCapacity(graphs.count)
        novelty.reserveCapacity(graphs.count)
        let step = max(1, batchSize)
        for start in stride(from: 0, to: graphs.count, by: step) {
            let chunk = Array(graphs[start..<min(start + step, graphs.count)])
            let (raw, vectors) = try predictionsAndEmbeddings(chunk)
            for (graph, output) in zip(chunk, raw) { values.append(decode(Double(output)) * (try baseValue(of: graph))) }
            for (graph, vector) in zip(chunk, vectors) {
                let tokens = tokensRead(graph)
                let traits = tokens.map { NetworkTraits(graph, tokens: $0) }
                // As `opMixVector(graph)`, with the traits just read.
                let mix = summary.opMix == nil ? nil : tokens.map { NetworkTraits.opMixVector(graph, tokens: $0, traits: traits) } ?? []
                novelty.append(summary.novelty(embedding: vector, opMix: mix, traits: traits))
            }
        }
        return (values, novelty)
    }

    /// Raw model outputs and each graph's pooled embedding.
    func predictionsAndEmbeddings(_ graphs: [TokenGraph]) throws -> ([Float], [[Float]]) {
        let (predictions, flat) = try model.predictWithEmbeddings(graphs)
        let width = model.embeddingWidth
        return (predictions, (0..<graphs.count).map { Array(flat[($0 * width)..<(($0 + 1) * width)]) })
    }

    /// The graph's op-mix vector in the tokens the model reads (empty when they are unknown:
    /// such a vector cannot be placed).
    public func opMixVector(_ graph: TokenGraph) -> [Float] {
        tokensRead(graph).map { NetworkTraits.opMixVector(graph, tokens: $0) } ?? []
    }

    /// The novelty vectors of `graphs` in the space of `method`, in chunks of 64.
    public func noveltyVectors(_ graphs: [TokenGraph], method: NoveltySpace.Method) throws -> [[Float]] {
        switch method {
        case .opMix: return graphs.map(opMixVector)
        case .embedding:
            var out: [[Float]] = []
            out.reserveCapacity(graphs.count)
            for start in stride(from: 0, to: graphs.count, by: 64) {
                out += try predictionsAndEmbeddings(Array(graphs[start..<min(start + 64, graphs.count)])).1
            }
            return out
        }
    }

    /// Sets `noveltySummary` from the networks the model was trained on: a seeded sample of
    /// at most `NoveltySummary.sampleCap` of them in the embedding and, for a model of whole
    /// networks, in op mix and size; op types and size range come from all. With fewer than
    /// two networks the model carries no summary.
    public func summarizeTrainingNetworks(_ graphs: [TokenGraph], seed: UInt64 = 0) throws {
        let traits = graphs.compactMap { graph in tokensRead(graph).map { NetworkTraits(graph, tokens: $0) } }
        var sample = Array(graphs.indices)
        if sample.count > NoveltySummary.sampleCap {
            var generator = SplitMix64(seed: seed ^ 0x5A3E_11E5_0F7E_A1B0)
            for i in stride(from: sample.count - 1, to: 0, by: -1) { sample.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
            sample = Array(sample.prefix(NoveltySummary.sampleCap)).sorted()
        }
        let sampled = sample.map { graphs[$0] }
        guard let embedding = NoveltySpace(method: .embedding, vectors: try noveltyVectors(sampled, method: .embedding)) else {
            noveltySummary = nil
            return
        }
        // Cells all have the same nodes: their op mix would place every cell at distance 0.
        let readsNetworks = sampled.allSatisfy { graph in
            if case .network(let encoding) = tokensRead(graph) { ModelTokens.network(encoding).tokenDim == graph.tokenDim } else { false }
        }
        let opMix = readsNetworks ? NoveltySpace(method: .opMix, vectors: try noveltyVectors(sampled, method: .opMix)) : nil
        noveltySummary = NoveltySummary(embedding: embedding, opMix: opMix, traits: traits, trainingCount: graphs.count)
    }
}

extension TrainedModel {
    /// Writes the checkpoint with its metadata as loaded (metrics, target transform, digest)
    /// and the current novelty summary: adds a summary without touching anything else.
    public func saveKeepingMetadata(to url: URL) throws {
        var kept = metadata
        kept.noveltySummary = noveltySummary?.json()
        try Checkpoint.save(model, to: url, metadata: kept)
    }
}
