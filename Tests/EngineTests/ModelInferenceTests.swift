import XCTest
@testable import Engine

/// The inference forward (fused pointwise passes, feed-forward in row chunks, one-row
/// head through sgemv) against the training forward on the same weights.
final class ModelInferenceTests: XCTestCase {
    /// Widths that are not multiples of 8 (SIMD tails), several groups, and batches of
    /// more than one feed-forward row chunk, the last one partial.
    static func config(_ kind: ModelConfig.Kind) -> ModelConfig {
        ModelConfig(kind: kind, inDim: 13, hidden: 36, layers: 2, groups: 3, ffnRatio: 4, fcHidden: 10,
                    staticDim: kind == .latency ? 3 : 0, readout: .sum, dropout: 0)
    }

    func testInferenceMatchesTrainingForwardLatency() throws { try checkPaths(.latency) }
    func testInferenceMatchesTrainingForwardAccuracy() throws { try checkPaths(.accuracy) }

    private func checkPaths(_ kind: ModelConfig.Kind) throws {
        let config = Self.config(kind)
        let model = try NARFormerModel(config: config, seed: 21)
        // A layer scale far above the 1e-4 init, so the feed-forward half weighs in.
        var rng = SplitMix64(seed: 22)
        for l in 0..<config.layers {
            try model.setTensor(named: "layers.\(l).scale", values: (0..<config.hidden).map { _ in rng.nextSymmetric(1) })
        }
        // Each graph runs alone: one of more than two feed-forward row chunks, the last
        // one partial, whichever chunk the loaded kernel set gets.
        let chunk = NARFormerModel.inferenceRowChunk
        var graphs = ModelTrainingTests.graphs(8, config: config, seed: 23, maxNodes: 60)
        graphs.append(Self.chain(nodes: 2 * chunk + 7, config: config, seed: 24))
        let batches = [graphs, [graphs[0]], [graphs[5]], [graphs[8]]]
        for batch in batches {
            let inferred = try model.predict(batch)
            let trained = try model.forward(batch, training: true)
            XCTAssertEqual(inferred.count, batch.count)
            for (a, b) in zip(inferred, trained) {
                XCTAssertEqual(a, b, accuracy: 1e-5 * abs(b), "\(kind), batch of \(batch.count)")
            }
        }
    }

    /// A chain of `nodes` nodes with an extra edge every fifth node, random tokens.
    static func chain(nodes n: Int, config: ModelConfig, seed: UInt64) -> TokenGraph {
        var rng = SplitMix64(seed: seed)
        var edges = (0..<(n - 1)).map { UndirectedEdge($0, $0 + 1) }
        edges += stride(from: 0, to: n - 3, by: 5).map { UndirectedEdge($0, $0 + 3) }
        let tokens = (0..<(n * config.inDim)).map { _ in rng.nextSymmetric(1) }
        let statics = (0..<(config.kind == .latency ? config.staticDim : 0)).map { _ in rng.nextSymmetric(1) }
        return TokenGraph(nodeCount: n, tokenDim: config.inDim, tokens: tokens, edges: edges, staticFeatures: statics)
    }

    func testRowChunkFollowsTheKernelSet() {
        XCTAssertEqual(NARFormerModel.inferenceRowChunk(kernelSet: "Cooperlake"), 48)
        XCTAssertEqual(NARFormerModel.inferenceRowChunk(kernelSet: "SkylakeX"), 48)
        XCTAssertEqual(NARFormerModel.inferenceRowChunk(kernelSet: "Haswell"), 192)
        XCTAssertEqual(NARFormerModel.inferenceRowChunk(kernelSet: "Prescott"), 192)
    }

    /// Predicting twice gives the same numbers, also after a larger batch grew the arena.
    func testInferenceIsRepeatable() throws {
        let config = Self.config(.latency)
        let model = try NARFormerModel(config: config, seed: 24)
        let small = ModelTrainingTests.graphs(2, config: config, seed: 25, maxNodes: 10)
        let large = ModelTrainingTests.graphs(6, config: config, seed: 26, maxNodes: 45)
        let first = try model.predict(small)
        _ = try model.predict(large)
        XCTAssertEqual(try model.predict(small), first)
    }
}
