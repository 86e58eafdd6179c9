import Foundation
import XCTest
@testable import Engine

/// The switches of `--recipe authors`: dropout inside the feed-forward and in the static
/// branch (forward/backward pair under a fixed-seed mask, finite differences through the
/// whole model), losses over originals and copies, torch_geometric's graph-layer biases,
/// accuracies as fractions (what the authors' code feeds the relative loss); and
/// `--recipe narformer` unchanged.
final class RecipeSwitchTests: XCTestCase {
    /// LayerNorm rows of 8 (up) and 4 (down) values: a 2-wide row normalises to +-1 and,
    /// when dropout zeroes a whole group's input, to a tie whose derivative is a jump.
    private static func config(_ kind: ModelConfig.Kind, dropout: Float, extra: Bool?) -> ModelConfig {
        var c = ModelConfig(kind: kind, inDim: 3, hidden: 8, layers: 2, groups: 2, ffnRatio: 2, fcHidden: 5,
                            staticDim: kind == .latency ? 2 : 0, readout: .sum, dropout: dropout)
        c.feedForwardAndStaticDropout = extra
        return c
    }

    /// Inverted dropout: the same seed draws the same mask; kept values are scaled by
    /// 1 / (1 - p) and the backward multiplies by the same mask.
    func testDropoutForwardBackwardUnderAFixedSeed() {
        let count = 20_000, rate: Float = 0.25
        let x = GradientCheck.random(count, seed: 1)
        func run(seed: UInt64) -> (y: [Float], mask: [Float]) {
            var y = x, mask = [Float](repeating: -1, count: count), rng = SplitMix64(seed: seed)
            y.withUnsafeMutableBufferPointer { yb in
                mask.withUnsafeMutableBufferPointer { Elementwise.dropout(yb.baseAddress!, mask: $0.baseAddress!, count: count, rate: rate, rng: &rng) }
            }
            return (y, mask)
        }
        let a = run(seed: 7), b = run(seed: 7), c = run(seed: 8)
        XCTAssertEqual(a.y, b.y)
        XCTAssertEqual(a.mask, b.mask)
        XCTAssertNotEqual(a.mask, c.mask)
        XCTAssertTrue(a.mask.allSatisfy { $0 == 0 || $0 == 1 / (1 - rate) })
        for i in 0..<count { XCTAssertEqual(a.y[i], x[i] * a.mask[i]) }
        // The share dropped is p within 4 standard deviations (sqrt(p(1-p)/n) = 0.003).
        let dropped = Float(a.mask.filter { $0 == 0 }.count) / Float(count)
        XCTAssertEqual(dropped, rate, accuracy: 0.013)
        var dy = GradientCheck.random(count, seed: 2)
        let expected = zip(dy, a.mask).map { $0 * $1 }
        dy.withUnsafeMutableBufferPointer { d in
            a.mask.withUnsafeBufferPointer { Elementwise.multiply(d.baseAddress!, by: $0.baseAddress!, count: count) }
        }
        XCTAssertEqual(dy, expected)
    }

    func testWholeModelGradientsWithFeedForwardAndStaticDropoutLatency() throws { try checkDropoutGradients(.latency) }
    func testWholeModelGradientsWithFeedForwardAndStaticDropoutAccuracy() throws { try checkDropoutGradients(.accuracy) }

    /// Every parameter's gradient against central differences of the training loss, every
    /// forward drawing the same masks (the dropout stream reset to one seed). The masks of
    /// stream 99 put one ReLU of the latency model's second up projection within a step of
    /// its kink (ffn_up.bias[0] 0.0013 analytic, 0.029 numeric, while the same model
    /// without the extra masks and the same masks from stream 5 pass): stream 5.
    private func checkDropoutGradients(_ kind: ModelConfig.Kind) throws {
        let config = Self.config(kind, dropout: 0.2, extra: true)
        let maskSeed: UInt64 = 5
        let model = try NARFormerModel(config: config, seed: 3)
        // A layer scale far above the 1e-4 init so the feed-forward path carries gradient;
        // down-projection biases apart so a dropped group's LayerNorm row is no tie.
        for l in 0..<config.layers {
            try model.setTensor(named: "layers.\(l).scale", values: GradientCheck.random(8, seed: 20 + UInt64(l)))
            try model.setTensor(named: "layers.\(l).ffn_down.bias", values: (0..<8).map { Float($0 % 4) - 1.5 })
        }
        let graphs = ModelTrainingTests.graphs(4, config: config, seed: 4)
        let targets: [Float] = [0.5, 1.0, 1.5, 0.8]
        func trainingLoss(gradient: inout [Float]) throws -> Double {
            model.dropoutGenerator = SplitMix64(seed: maskSeed)
            let p = try model.forward(graphs, training: true)
            gradient = [Float](repeating: 0, count: p.count)
            return Double(Losses.relativeSquared(predictions: p, targets: targets, weight: 1, gradient: &gradient))
        }
        // The masks must matter, or this checks nothing: the feed-forward's own masks are
        // placed and drop values.
        let plan = ActivationPlan(config: config, nodes: 10, directedEdges: 20, graphs: 4, dropout: true)
        XCTAssertNotEqual(plan.blocks[0].upMask, 0)
        if kind == .latency { XCTAssertNotEqual(plan.head.staticMask, 0) }
        var g: [Float] = []
        _ = try trainingLoss(gradient: &g)
        let withMasks = try model.forward(graphs, training: false)
        model.dropoutGenerator = SplitMix64(seed: maskSeed)
        XCTAssertNotEqual(try model.forward(graphs, training: true), withMasks, "dropout changed nothing")
        _ = try trainingLoss(gradient: &g)
        model.backward(predictionGradient: g)
        try GradientCheck.checkEveryParameter(of: model, "\(kind)") {
            var scratch: [Float] = []
            return (try? trainingLoss(gradient: &scratch)) ?? .nan
        }
    }

    /// Off means the model of before the switch existed: nil and false train the same
    /// weights, and the stored config does not mention the switch.
    func testSwitchOffIsTodaysModel() throws {
        func train(_ extra: Bool?) throws -> [Float] {
            let config = Self.config(.latency, dropout: 0.05, extra: extra)
            let model = try NARFormerModel(config: config, seed: 5)
            let trainer = Trainer(model: model, options: .latency(totalSteps: 5))
            let graphs = ModelTrainingTests.graphs(6, config: config, seed: 6)
            for _ in 0..<5 { try trainer.step(graphs, targets: [1, 2, 0.5, 1.5, 0.8, 1.2]) }
            return Array(UnsafeBufferPointer(start: model.parameters.pointer, count: model.parameterCount))
        }
        XCTAssertEqual(try train(nil), try train(false))
        XCTAssertNotEqual(try train(nil), try train(true))
        let json = String(decoding: try JSONEncoder().encode(Self.config(.latency, dropout: 0.05, extra: nil)), as: UTF8.self)
        XCTAssertFalse(json.contains("feedForwardAndStaticDropout"), json)
    }

    /// With copies in the batch, `lossesOverCopies` scores all 2B predictions against the
    /// originals' targets; without it only the B originals.
    func testLossesOverCopies() throws {
        let config = Self.config(.accuracy, dropout: 0, extra: nil)
        let cells = try ["|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
                         "|none~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"].map(NB201Cell.init(arch:))
        // Cell tokens are 128 wide; a 3-wide model reads the first 3 columns of each row.
        func narrow(_ g: TokenGraph) -> TokenGraph {
            let rows = (0..<g.nodeCount).flatMap { Array(g.tokens[($0 * g.tokenDim)..<($0 * g.tokenDim + 3)]) }
            return TokenGraph(nodeCount: g.nodeCount, tokenDim: 3, tokens: rows, edges: g.edges, staticFeatures: [])
        }
        let graphs = cells.map { narrow($0.tokenGraph()) }, copies = cells.map { narrow($0.reordered(seed: 11)) }
        let targets: [Float] = [0.9, 1.1]
        for overCopies in [false, true] {
            let model = try NARFormerModel(config: config, seed: 7)
            let p = try model.predict(graphs + copies)
            let scored = overCopies ? 4 : 2
            let expected = (0..<scored).map { i -> Float in let r = p[i] / targets[i % 2] - 1; return r * r }.reduce(0, +) / Float(scored)
            let options = TrainingOptions(schedule: LearningRateSchedule(peak: 1e-3, totalSteps: 1), lossesOverCopies: overCopies)
            let loss = try Trainer(model: model, options: options).step(graphs, targets: targets, augmented: copies)
            XCTAssertEqual(loss, expected, accuracy: 1e-5 * max(1, expected), "lossesOverCopies \(overCopies)")
        }
    }

    /// torch_geometric's biases: U(+-1/sqrt(fan_in)) for degree (fan-in 1), qk and agg;
    /// every other tensor keeps its value.
    func testTorchGeometricGraphBiases() throws {
        let config = ModelConfig(kind: .accuracy, inDim: 16, hidden: 64, layers: 2, groups: 4, ffnRatio: 2, fcHidden: 8,
                                 staticDim: 0, readout: .mean)
        let plain = try NARFormerModel(config: config, seed: 9), model = try NARFormerModel(config: config, seed: 9)
        model.initialiseGraphLayerBiasesAsTorchGeometric(seed: 9)
        for e in model.parameterTable.entries {
            let before = try XCTUnwrap(plain.tensor(named: e.name)), after = try XCTUnwrap(model.tensor(named: e.name))
            let layer = e.name.hasPrefix("layers.1.") ? 1 : 0, din = layer == 0 ? config.inDim : config.hidden
            let bound: Float? = e.name.hasSuffix("degree.bias") ? 1 : e.name.hasSuffix("qk.bias") || e.name.hasSuffix("agg.bias")
                ? 1 / Float(din).squareRoot() : nil
            guard let bound else { XCTAssertEqual(before, after, e.name); continue }
            XCTAssertNotEqual(before, after, e.name)
            XCTAssertLessThanOrEqual(after.map(abs).max() ?? 0, bound, e.name)
            // Spread over the range (64 or 16 draws: the largest above half the bound).
            XCTAssertGreaterThan(after.map(abs).max() ?? 0, bound / 2, e.name)
        }
    }

    // MARK: the authors' accuracy targets are fractions, not ratios to the training median

    private static let trainCSV = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/nb201/train.csv")

    func testOnlyTheAuthorsAccuracyRatioTargetsTakeAFixedScale() {
        XCTAssertEqual(RecipeSwitches.authors.ratioScale(kind: .accuracy, transform: .ratio), 100)
        XCTAssertNil(RecipeSwitches.authors.ratioScale(kind: .accuracy, transform: .quantile))
        XCTAssertNil(RecipeSwitches.authors.ratioScale(kind: .latency, transform: .ratio))
        XCTAssertNil(RecipeSwitches.narformer.ratioScale(kind: .accuracy, transform: .ratio))
    }

    func testTheAuthorsScaleTurnsPercentagesIntoFractions() throws {
        let data = try TrainingDataset.cells(try NB201Table.load(from: Self.trainCSV).firstRows(48))
        var config = ModelConfig.paperAccuracy(inDim: NB201Cell.tokenDim)
        config.hidden = 16; config.fcHidden = 16; config.layers = 1; config.groups = 2
        let scale = RecipeSwitches.authors.ratioScale(kind: .accuracy, transform: .ratio)
        let authors = try TrainingDriver.freshModel(config: config, seed: 1, for: data, platform: "cifar10_test",
                                                    transform: .ratio, ratioScale: scale)
        XCTAssertEqual(authors.targetScale, 100)
        XCTAssertEqual(authors.encode(93.105), 0.93105, accuracy: 1e-12)
        XCTAssertEqual(authors.decode(authors.encode(10.0)), 10.0, accuracy: 1e-12)
        // Without a fixed scale the median of the training targets divides (this project's ratio).
        let median = try TrainingDriver.freshModel(config: config, seed: 1, for: data, platform: "cifar10_test",
                                                   transform: .ratio)
        XCTAssertEqual(median.targetScale, data.targets.sorted()[24])
        XCTAssertNotEqual(median.targetScale, 100)
    }

    func testAFixedScaleIsRefusedOutsideTheRatioTransformAndWhenNotPositive() throws {
        let data = try TrainingDataset.cells(try NB201Table.load(from: Self.trainCSV).firstRows(8))
        var config = ModelConfig.paperAccuracy(inDim: NB201Cell.tokenDim)
        config.hidden = 16; config.fcHidden = 16; config.layers = 1; config.groups = 2
        XCTAssertThrowsError(try TrainingDriver.freshModel(config: config, seed: 1, for: data, platform: "x",
                                                           transform: .quantile, ratioScale: 100)) { error in
            XCTAssertTrue("\(error)".contains("ratio transform"), "\(error)")
        }
        XCTAssertThrowsError(try TrainingDriver.freshModel(config: config, seed: 1, for: data, platform: "x",
                                                           transform: .ratio, ratioScale: 0))
    }
}
