import XCTest
@testable import Engine

/// Each half of a block (NARFormerModel+Block) on its own against finite differences,
/// on the activations of a real training forward pass: the half's backward with
/// d loss / d half output = w must equal d(sum w * output) / d(half input or one of its
/// parameters). The whole-model checks (ModelTrainingTests) cover the composition;
/// these say which half is wrong.
final class BlockGradientTests: XCTestCase {
    /// Widths of several SIMD lanes' worth and LayerNorm rows of 4 and 8 values: the
    /// tiny model's 2-wide rows normalise to +-1 whatever the input, which hides errors.
    static func config(useDegree: Bool) -> ModelConfig {
        ModelConfig(kind: .latency, inDim: 5, hidden: 8, layers: 2, groups: 2, ffnRatio: 2, fcHidden: 5,
                    staticDim: 2, useDegree: useDegree, readout: .sum, dropout: 0)
    }

    /// A model after one training forward pass, with layer scales far above the 1e-4 init
    /// so that the feed-forward half weighs in.
    private func trainedForward(useDegree: Bool) throws -> NARFormerModel {
        let config = Self.config(useDegree: useDegree)
        let model = try NARFormerModel(config: config, seed: 41)
        for l in 0..<config.layers {
            try model.setTensor(named: "layers.\(l).scale", values: GradientCheck.random(config.hidden, seed: 42 + UInt64(l)))
        }
        _ = try model.forward(ModelTrainingTests.graphs(3, config: config, seed: 43), training: true)
        return model
    }

    private static func read(_ p: UnsafeMutablePointer<Float>, _ count: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: p, count: count))
    }

    /// Checks d loss / d every parameter of block `l` whose name `belongs`, with `output`
    /// rerunning the half on unperturbed inputs.
    private func checkParameters(of model: NARFormerModel, block l: Int, where belongs: (String) -> Bool,
                                 dy: [Float], output: () -> [Float], file: StaticString = #filePath,
                                 line: UInt = #line) throws {
        let prefix = "layers.\(l)."
        let names = model.parameterTable.entries.map(\.name).filter { $0.hasPrefix(prefix) && belongs(String($0.dropFirst(prefix.count))) }
        XCTAssertFalse(names.isEmpty, file: file, line: line)
        for name in names {
            let analytic = try XCTUnwrap(model.gradient(named: name)), values = try XCTUnwrap(model.tensor(named: name))
            GradientCheck.check(name, values: values, analytic: analytic, step: 1e-3, loss: { v in
                try? model.setTensor(named: name, values: v)
                defer { try? model.setTensor(named: name, values: values) }
                return GradientCheck.weightedSum(output(), dy)
            }, file: file, line: line)
        }
    }

    private static func isFeedForward(_ name: String) -> Bool { name.hasPrefix("ffn_") || name == "scale" }

    /// preNorm -> block output: `ffnBackward` against `ffnForward`. The inputs and the
    /// up projection's LayerNorm parameters keep every ReLU input at least 0.2 from its
    /// kink (half the up columns on, half off), much farther than a finite-difference
    /// step moves it: a central difference across a kink is not the derivative, and
    /// random activations put some of the 8 + 16 ReLUs per node next to one.
    func testFeedForwardHalf() throws {
        let model = try trainedForward(useDegree: true)
        let plan = try XCTUnwrap(model.plan), A = model.arena.pointer
        let c = model.config, n = model.batch.nodeCount, d = c.hidden, upWidth = d * c.ffnRatio / c.groups
        for l in 0..<c.layers {
            let s = plan.blocks[l]
            try model.setTensor(named: "layers.\(l).ffn_up.norm.weight",
                                values: GradientCheck.random(upWidth, seed: 44 + UInt64(l)).map { 0.2 + 0.1 * $0 })
            try model.setTensor(named: "layers.\(l).ffn_up.norm.bias", values: (0..<upWidth).map { $0 % 2 == 0 ? 1 : -1 })
            let preNorm = GradientCheck.random(n * d, seed: 46 + UInt64(l)).map { ($0 < 0 ? -0.2 : 0.2) + 0.8 * $0 }
            let dy = GradientCheck.random(n * d, seed: 48 + UInt64(l))
            func output(_ input: [Float]) -> [Float] {
                (A + s.preNorm).update(from: input, count: n * d)
                model.ffnForward(l, plan: plan, dropout: false)
                return Self.read(A + s.output, n * d)
            }
            _ = output(preNorm)
            model.gradients.zero()
            let g = A + plan.scratch.gradOut
            g.update(from: dy, count: n * d)
            model.ffnBackward(l, gradOut: g, plan: plan)
            GradientCheck.check("block \(l) d preNorm", values: preNorm, analytic: Self.read(g, n * d), step: 1e-3) {
                GradientCheck.weightedSum(output($0), dy)
            }
            try checkParameters(of: model, block: l, where: Self.isFeedForward, dy: dy) { output(preNorm) }
        }
    }

    /// Block input -> preNorm: `attentionBackward` against `attentionForward`, with and
    /// without the degree gate; block 0 takes no input gradient (the tokens).
    func testAttentionHalf() throws {
        for useDegree in [true, false] {
            let model = try trainedForward(useDegree: useDegree)
            let plan = try XCTUnwrap(model.plan), A = model.arena.pointer
            let n = model.batch.nodeCount, d = model.config.hidden
            for l in 0..<model.config.layers {
                let s = plan.blocks[l], din = model.layout.blocks[l].inDim
                let x = l == 0 ? A + plan.input : A + plan.blocks[l - 1].output
                let input = Self.read(x, n * din)
                let dy = GradientCheck.random(n * d, seed: 50 + UInt64(l))
                func output(_ values: [Float]) -> [Float] {
                    x.update(from: values, count: n * din)
                    model.attentionForward(l, input: x, plan: plan, training: true)
                    return Self.read(A + s.preNorm, n * d)
                }
                model.gradients.zero()
                let gh = A + plan.scratch.gradOut, gradIn = A + plan.scratch.gradIn
                gh.update(from: dy, count: n * d)
                gradIn.update(repeating: .nan, count: n * din)
                model.attentionBackward(l, gradPreNorm: gh, gradIn: l > 0 ? gradIn : nil, plan: plan)
                XCTAssertEqual(Self.read(gh, n * d), dy, "the gradient of preNorm is read only")
                if l > 0 {
                    GradientCheck.check("degree \(useDegree) block \(l) d input", values: input,
                                        analytic: Self.read(gradIn, n * din), step: 1e-3) {
                        GradientCheck.weightedSum(output($0), dy)
                    }
                }
                try checkParameters(of: model, block: l, where: { !Self.isFeedForward($0) }, dy: dy) { output(input) }
            }
        }
    }
}
