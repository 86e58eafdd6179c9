import XCTest
@testable import Engine

/// The node-cost readout: its own gradients and the whole model's against finite
/// differences, the log loss, the roofline calibration, and a checkpoint round trip.
final class NodeCostReadoutTests: XCTestCase {
    /// Two graphs (2 and 3 nodes); tokens 4 wide with small cost columns so the terms are O(1).
    func testReadoutGradients() {
        let rows = 5, hidden = 3, tokenDim = 4, k = NodeCostReadout.terms, offsets = [0, 2, 5]
        let h = GradientCheck.random(rows * hidden, seed: 31)
        let tokens = GradientCheck.random(rows * tokenDim, seed: 32, scale: 0.05)
        let w = GradientCheck.random(k * hidden, seed: 33), u = GradientCheck.random(k * tokenDim, seed: 34)
        let b = GradientCheck.random(k, seed: 35), dp: [Float] = [0.7, -1.3]
        func run(_ h: [Float], _ w: [Float], _ u: [Float], _ b: [Float]) -> (p: [Float], terms: [Float]) {
            var terms = [Float](repeating: 0, count: rows * k), p: [Float] = [0, 0]
            NodeCostReadout.forward(h: h, tokens: tokens, rows: rows, hidden: hidden, tokenDim: tokenDim, weight: w,
                                    tokenWeight: u, bias: b, offsets: offsets, terms: &terms, predictions: &p)
            return (p, terms)
        }
        let f = run(h, w, u, b)
        // The prediction is the sum of the terms of the graph's nodes.
        XCTAssertEqual(f.p[0], f.terms[0..<6].reduce(0, +), accuracy: 1e-5)
        var dh = [Float](repeating: 0, count: h.count), dw = [Float](repeating: 0, count: w.count)
        var du = [Float](repeating: 0, count: u.count), db = [Float](repeating: 0, count: k)
        var scratch = [Float](repeating: 0, count: rows * k)
        NodeCostReadout.backward(dPrediction: dp, h: h, tokens: tokens, rows: rows, hidden: hidden, tokenDim: tokenDim,
                                 weight: w, offsets: offsets, terms: f.terms, dWeight: &dw, dTokenWeight: &du,
                                 dBias: &db, dh: &dh, scratch: &scratch)
        GradientCheck.check("dh", values: h, analytic: dh) { GradientCheck.weightedSum(run($0, w, u, b).p, dp) }
        GradientCheck.check("dW", values: w, analytic: dw) { GradientCheck.weightedSum(run(h, $0, u, b).p, dp) }
        GradientCheck.check("dU", values: u, analytic: du) { GradientCheck.weightedSum(run(h, w, $0, b).p, dp) }
        GradientCheck.check("db", values: b, analytic: db) { GradientCheck.weightedSum(run(h, w, u, $0).p, dp) }
    }

    func testCostColumnsEnterWithCoefficientOne() {
        // One node, zero rates: the terms are exactly the node's FLOPs, memory and 1.
        let tokens: [Float] = [Float(Foundation.log(1000.0)) / CostTokenizer.logScale,
                               Float(Foundation.log(50.0)) / CostTokenizer.logScale, 0.3]
        var terms = [Float](repeating: 0, count: 3), p: [Float] = [0]
        NodeCostReadout.forward(h: [0.5], tokens: tokens, rows: 1, hidden: 1, tokenDim: 3, weight: [0, 0, 0],
                                tokenWeight: [Float](repeating: 0, count: 9), bias: [0, 0, 0], offsets: [0, 1],
                                terms: &terms, predictions: &p)
        XCTAssertEqual(terms[0], 1000, accuracy: 0.05)
        XCTAssertEqual(terms[1], 50, accuracy: 0.01)
        XCTAssertEqual(p[0], 1051, accuracy: 0.1)
    }

    static func tinyConfig() -> ModelConfig {
        ModelConfig(kind: .latency, inDim: 4, hidden: 4, layers: 2, groups: 2, ffnRatio: 2, fcHidden: 5,
                    staticDim: 2, readout: .nodeCost, dropout: 0)
    }

    /// Random graphs whose cost columns are small log-sizes (terms of O(1)).
    static func graphs(_ count: Int, seed: UInt64) -> [TokenGraph] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let n = 1 + Int(rng.next() % 5)
            let edges: [UndirectedEdge] = (0..<max(0, n - 1)).map { UndirectedEdge($0, $0 + 1) }
            var tokens = (0..<(n * 4)).map { _ in rng.nextSymmetric(1) }
            for i in 0..<n { tokens[i * 4] = 0.1 * rng.nextUnit(); tokens[i * 4 + 1] = 0.1 * rng.nextUnit() }
            return TokenGraph(nodeCount: n, tokenDim: 4, tokens: tokens, edges: edges,
                              staticFeatures: [rng.nextSymmetric(1), rng.nextSymmetric(1)])
        }
    }

    func testWholeModelGradients() throws { try checkWholeModel(layers: 2) }

    /// No blocks: the readout reads the tokens (the ablation of what the blocks add).
    func testWholeModelGradientsWithoutBlocks() throws {
        try checkWholeModel(layers: 0)
        var wrongWidth = Self.tinyConfig()
        wrongWidth.layers = 0
        wrongWidth.hidden = 8
        XCTAssertFalse(wrongWidth.problems.isEmpty, "without blocks the width must be the token width")
        wrongWidth.readout = .sum
        wrongWidth.hidden = 4
        XCTAssertFalse(wrongWidth.problems.isEmpty, "the paper's head needs blocks")
    }

    private func checkWholeModel(layers: Int) throws {
        var config = Self.tinyConfig()
        config.layers = layers
        XCTAssertEqual(config.problems, [])
        let model = try NARFormerModel(config: config, seed: 3)
        for l in 0..<config.layers { try model.setTensor(named: "layers.\(l).scale", values: [0.5, -0.3, 0.8, 0.2]) }
        try model.setTensor(named: "readout.token_weight", values: GradientCheck.random(12, seed: 9, scale: 0.3))
        XCTAssertNil(model.tensor(named: "fc1.weight"), "the paper's head is not built beside this readout")
        let graphs = Self.graphs(4, seed: 4)
        let targets: [Float] = [2, 5, 9, 4]
        func loss() -> Double {
            let p = (try? model.forward(graphs, training: false)) ?? []
            var g = [Float](repeating: 0, count: p.count)
            return Double(Losses.logSquared(predictions: p, targets: targets, weight: 1, gradient: &g))
        }
        let inference = try model.forward(graphs, training: false)
        // (An inference pass leaves nothing for backward, so it runs first.)
        let p = try model.forward(graphs, training: true)
        for (a, b) in zip(p, inference) { XCTAssertEqual(a, b, accuracy: 1e-5 * b, "training and inference forwards agree") }
        var g = [Float](repeating: 0, count: p.count)
        _ = Losses.logSquared(predictions: p, targets: targets, weight: 1, gradient: &g)
        model.backward(predictionGradient: g)
        try GradientCheck.checkEveryParameter(of: model, "node-cost", loss: loss)
    }

    func testLogLossGradient() {
        let p: [Float] = [0.5, 2, 3.5], y: [Float] = [1, 1.5, 4]
        var g = [Float](repeating: 0, count: 3)
        let value = Losses.logSquared(predictions: p, targets: y, weight: 1, gradient: &g)
        let expected = zip(p, y).map { pow(log(Double($0)) - log(Double($1)), 2) }.reduce(0, +) / 3
        XCTAssertEqual(Double(value), expected, accuracy: 1e-6)
        GradientCheck.check("dp", values: p, analytic: g, step: 1e-3) { v in
            var scratch = [Float](repeating: 0, count: 3)
            return Double(Losses.logSquared(predictions: v, targets: y, weight: 1, gradient: &scratch))
        }
    }

    /// Targets made exactly by a roofline are recovered by the calibration.
    func testCalibrationRecoversARoofline() throws {
        var rng = SplitMix64(seed: 11)
        var graphs: [TokenGraph] = [], targets: [Double] = []
        for _ in 0..<20 {
            let n = 2 + Int(rng.next() % 6)
            var tokens = [Float](repeating: 0, count: n * 3), f = 0.0, m = 0.0
            for i in 0..<n {
                let flops = 1e6 * (1 + 100 * Double(rng.nextUnit())), moved = 1e4 * (1 + 100 * Double(rng.nextUnit()))
                tokens[i * 3] = Float(Foundation.log(flops)) / CostTokenizer.logScale
                tokens[i * 3 + 1] = Float(Foundation.log(moved)) / CostTokenizer.logScale
                // The sizes as the float tokens carry them.
                f += Foundation.exp(Double(tokens[i * 3]) * Double(CostTokenizer.logScale))
                m += Foundation.exp(Double(tokens[i * 3 + 1]) * Double(CostTokenizer.logScale))
            }
            graphs.append(TokenGraph(nodeCount: n, tokenDim: 3, tokens: tokens, edges: [], staticFeatures: [0]))
            targets.append(2e-8 * f + 3e-6 * m + 0.05 * Double(n))
        }
        let bias = try NodeCostReadout.calibratedBias(graphs: graphs, targets: targets)
        XCTAssertEqual(Double(bias[0]), Foundation.log(2e-8), accuracy: 1e-3)
        XCTAssertEqual(Double(bias[1]), Foundation.log(3e-6), accuracy: 1e-3)
        XCTAssertEqual(Double(bias[2]), Foundation.log(0.05), accuracy: 1e-3)
    }

    /// A fresh model starts at the calibrated roofline (its first predictions are within a
    /// few percent of targets made by one), trains below that, and refuses non-ratio targets.
    func testFreshModelStartsAtTheRooflineAndTrains() throws {
        let graphs = Self.graphs(24, seed: 21)
        let samples = graphs.enumerated().map { i, g -> TrainingSample in
            var f = 0.0
            for n in 0..<g.nodeCount { f += Foundation.exp(Double(g.tokens[n * 4]) * Double(CostTokenizer.logScale)) }
            // A roofline in FLOPs and node count, times a per-graph factor the tokens explain.
            let factor = 1 + 0.3 * Double(g.tokens[2])
            return TrainingSample(name: "g\(i)", graph: g, target: (0.2 * f + 0.05 * Double(g.nodeCount)) * factor, family: "f")
        }
        let data = TrainingDataset(encoding: "test-4", samples: samples)
        var config = Self.tinyConfig()
        config.hidden = 8
        let trained = try TrainingDriver.freshModel(config: config, seed: 1, for: data, platform: "p", transform: .ratio)
        func mape() throws -> Double {
            let p = try trained.predictValues(data.graphs)
            return zip(p, data.targets).map { abs($0 / $1 - 1) }.reduce(0, +) / Double(p.count)
        }
        let start = try mape()
        XCTAssertLessThan(start, 0.3, "the calibrated start is near the roofline")
        var recipe = TrainingRecipe(epochs: 30, batchSize: 8, peakLearningRate: 3e-3, seed: 1)
        recipe.loss = .log
        try TrainingDriver(recipe: recipe).run(trained, train: data)
        XCTAssertLessThan(try mape(), start * 0.8, "training improves on the roofline start")
        XCTAssertThrowsError(try TrainingDriver.freshModel(config: config, seed: 1, for: data, platform: "p", transform: .log)) {
            XCTAssertTrue("\($0)".contains("ratio"), "\($0)")
        }
    }

    func testCheckpointRoundTripAndConfigProblems() throws {
        let model = try NARFormerModel(config: Self.tinyConfig(), seed: 7)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nodecost-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(model, to: url, metadata: CheckpointMetadata(tokenEncoding: "costs-160", platform: "p", trainingDataDigest: ""))
        let (loaded, metadata) = try Checkpoint.load(from: url)
        XCTAssertEqual(loaded.config.readout, .nodeCost)
        XCTAssertEqual(metadata.tokenEncoding, "costs-160")
        let graphs = Self.graphs(3, seed: 8)
        XCTAssertEqual(try loaded.predict(graphs), try model.predict(graphs))

        var accuracy = Self.tinyConfig()
        accuracy.kind = .accuracy
        XCTAssertTrue(accuracy.problems.contains { $0.contains("latency models only") })
        var narrow = Self.tinyConfig()
        narrow.inDim = 1
        XCTAssertTrue(narrow.problems.contains { $0.contains("token columns") })
    }
}
