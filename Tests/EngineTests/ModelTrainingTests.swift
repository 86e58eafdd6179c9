import XCTest
@testable import Engine

/// The whole model: gradients of the composition, overfitting, determinism, errors.
final class ModelTrainingTests: XCTestCase {
    static func tinyConfig(_ kind: ModelConfig.Kind) -> ModelConfig {
        ModelConfig(kind: kind, inDim: 3, hidden: 4, layers: 2, groups: 2, ffnRatio: 2, fcHidden: 5,
                    staticDim: kind == .latency ? 2 : 0, readout: .sum, dropout: 0)
    }

    /// Random graphs: a chain plus a few extra edges, sizes from 1 to `maxNodes`.
    static func graphs(_ count: Int, config: ModelConfig, seed: UInt64, maxNodes: Int = 6) -> [TokenGraph] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let n = 1 + Int(rng.next() % UInt64(maxNodes))
            var edges: [UndirectedEdge] = (0..<max(0, n - 1)).map { UndirectedEdge($0, $0 + 1) }
            if n > 2 { for _ in 0..<(n / 2) { edges.append(UndirectedEdge(Int(rng.next() % UInt64(n)), Int(rng.next() % UInt64(n)))) } }
            let tokens = (0..<(n * config.inDim)).map { _ in rng.nextSymmetric(1) }
            let statics = (0..<(config.kind == .latency ? config.staticDim : 0)).map { _ in rng.nextSymmetric(1) }
            return TokenGraph(nodeCount: n, tokenDim: config.inDim, tokens: tokens, edges: edges, staticFeatures: statics)
        }
    }

    func testWholeModelGradientsLatency() throws { try checkWholeModel(.latency) }
    func testWholeModelGradientsAccuracy() throws { try checkWholeModel(.accuracy) }

    private func checkWholeModel(_ kind: ModelConfig.Kind) throws {
        let config = Self.tinyConfig(kind)
        let model = try NARFormerModel(config: config, seed: 3)
        // Larger layer scale than the 1e-4 init so the feed-forward path carries gradient.
        for l in 0..<config.layers { try model.setTensor(named: "layers.\(l).scale", values: [0.5, -0.3, 0.8, 0.2]) }
        let graphs = Self.graphs(4, config: config, seed: 4)
        let targets: [Float] = [0.5, 1.0, 1.5, 0.8]
        func loss() -> Double {
            let p = (try? model.forward(graphs, training: false)) ?? []
            var g = [Float](repeating: 0, count: p.count)
            return Double(Losses.relativeSquared(predictions: p, targets: targets, weight: 1, gradient: &g))
        }
        let p = try model.forward(graphs, training: true)
        var g = [Float](repeating: 0, count: p.count)
        _ = Losses.relativeSquared(predictions: p, targets: targets, weight: 1, gradient: &g)
        model.backward(predictionGradient: g)
        try GradientCheck.checkEveryParameter(of: model, "\(kind)", loss: loss)
    }

    func testOverfitsSixteenGraphs() throws {
        var config = Self.tinyConfig(.latency)
        config.hidden = 16; config.groups = 4; config.inDim = 6; config.staticDim = 3; config.fcHidden = 16
        let model = try NARFormerModel(config: config, seed: 5)
        let graphs = Self.graphs(16, config: config, seed: 6, maxNodes: 12)
        var rng = SplitMix64(seed: 7)
        let targets = (0..<16).map { _ in 0.5 + 2 * rng.nextUnit() }
        let trainer = Trainer(model: model, options: TrainingOptions(schedule: LearningRateSchedule(peak: 3e-3, totalSteps: 600)))
        var first: Float = 0, last: Float = 0
        for s in 0..<600 {
            let loss = try trainer.step(graphs, targets: targets)
            if s == 0 { first = loss }
            last = loss
        }
        let predictions = try model.predict(graphs)
        var g = [Float](repeating: 0, count: 16)
        let final = Losses.relativeSquared(predictions: predictions, targets: targets, weight: 1, gradient: &g)
        print("overfit: loss \(first) -> \(last), eval \(final)")
        XCTAssertLessThan(final, 1e-3)
        XCTAssertLessThan(final, first / 100)
    }

    func testSameSeedSameWeights() throws {
        let config = Self.tinyConfig(.accuracy).with { $0.dropout = 0.1 }
        let graphs = Self.graphs(8, config: config, seed: 8)
        let augmented = graphs.map { Self.reversed($0) }
        let targets: [Float] = (0..<8).map { Float($0 + 1) / 4 }
        func train(seed: UInt64) throws -> [Float] {
            let model = try NARFormerModel(config: config, seed: seed)
            let trainer = Trainer(model: model, options: .accuracy(totalSteps: 10, seed: 9))
            for _ in 0..<10 { try trainer.step(graphs, targets: targets, augmented: augmented) }
            return Array(model.parameters.buffer)
        }
        let a = try train(seed: 1), b = try train(seed: 1), c = try train(seed: 2)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
    }

    /// The reversed node order of a graph: the same network, re-numbered.
    static func reversed(_ g: TokenGraph) -> TokenGraph {
        let n = g.nodeCount, w = g.tokenDim
        var tokens = [Float](repeating: 0, count: g.tokens.count)
        for i in 0..<n { for j in 0..<w { tokens[(n - 1 - i) * w + j] = g.tokens[i * w + j] } }
        return TokenGraph(nodeCount: n, tokenDim: w, tokens: tokens,
                          edges: g.edges.map { UndirectedEdge(n - 1 - Int($0.a), n - 1 - Int($0.b)) },
                          staticFeatures: g.staticFeatures)
    }

    func testPredictionsIgnoreNodeOrderAndBatchCompanions() throws {
        let config = Self.tinyConfig(.latency)
        let model = try NARFormerModel(config: config, seed: 10)
        let graphs = Self.graphs(5, config: config, seed: 11)
        let together = try model.predict(graphs)
        for (i, g) in graphs.enumerated() {
            XCTAssertEqual(try model.predict([g])[0], together[i], accuracy: 1e-5 * together[i])
            XCTAssertEqual(try model.predict([Self.reversed(g)])[0], together[i], accuracy: 1e-5 * together[i])
        }
        XCTAssertTrue(together.allSatisfy { $0 > 0 })
    }

    func testBadInputsAreClearErrors() throws {
        let config = Self.tinyConfig(.latency)
        let model = try NARFormerModel(config: config, seed: 12)
        let good = Self.graphs(1, config: config, seed: 13)[0]
        XCTAssertThrowsError(try model.predict([])) { XCTAssertTrue("\($0)".contains("no graphs")) }
        let wide = TokenGraph(nodeCount: 1, tokenDim: 4, tokens: [0, 0, 0, 0], edges: [], staticFeatures: [0, 0])
        XCTAssertThrowsError(try model.predict([good, wide])) { XCTAssertTrue("\($0)".contains("graph 1 has tokens of width 4")) }
        var noStatic = good
        noStatic.staticFeatures = []
        XCTAssertThrowsError(try model.predict([noStatic])) { XCTAssertTrue("\($0)".contains("static")) }
        var outside = good
        outside.edges = [UndirectedEdge(0, good.nodeCount + 3)]
        XCTAssertThrowsError(try model.predict([outside])) { XCTAssertTrue("\($0)".contains("outside")) }
        XCTAssertThrowsError(try NARFormerModel(config: config.with { $0.groups = 3 }, seed: 0)) {
            XCTAssertTrue("\($0)".contains("divisible"))
        }
        let trainer = Trainer(model: model, options: .latency(totalSteps: 1))
        XCTAssertThrowsError(try trainer.step([good], targets: [0])) { XCTAssertTrue("\($0)".contains("targets > 0")) }
    }

    func testScheduleWarmsUpThenDecays() {
        let s = LearningRateSchedule(peak: 1, totalSteps: 100)
        XCTAssertEqual(s.rate(at: 0), 0.1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 9), 1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 55), 0.5, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 100), 0)
        XCTAssertGreaterThan(s.rate(at: 99), 0)
    }

    func testArenaStaysFlatAcrossSteps() throws {
        let config = Self.tinyConfig(.latency)
        let model = try NARFormerModel(config: config, seed: 14)
        let trainer = Trainer(model: model, options: .latency(totalSteps: 50))
        let batches = (0..<5).map { Self.graphs(4, config: config, seed: UInt64(20 + $0)) }
        for b in batches { try trainer.step(b, targets: [1, 1, 1, 1]) }
        let size = model.arena.count
        for _ in 0..<5 { for b in batches { try trainer.step(b, targets: [1, 1, 1, 1]) } }
        XCTAssertEqual(model.arena.count, size)
    }
}

extension ModelConfig {
    func with(_ change: (inout ModelConfig) -> Void) -> ModelConfig {
        var c = self
        change(&c)
        return c
    }
}
