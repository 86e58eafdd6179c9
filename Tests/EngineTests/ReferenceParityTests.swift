import XCTest
@testable import Engine

/// The float32 engine against the float64 reference implementation: predictions, loss,
/// every gradient and the parameters after one Adam step (lr 1e-3, as in the fixture).
/// Each tensor is held to its own scale (`ParityTolerance`), so a tensor of tiny values
/// (the attention's `qk.bias` gradients) is checked as strictly as a large one.
final class ReferenceParityTests: XCTestCase {
    func testLatencyModelMatchesReference() throws {
        try checkReferenceParity("narformer_v2_latency")
    }

    func testAccuracyModelMatchesReference() throws {
        try checkReferenceParity("narformer_v2_accuracy")
    }
}

extension XCTestCase {
    /// The whole parity check against one fixture; also run by `BLASFallbackTests` in a
    /// process that computes with a fallback kernel set.
    func checkReferenceParity(_ name: String) throws {
        let fixture = try ReferenceFixture.load(name)
        let model = try fixture.model()
        let table = model.parameterTable
        XCTAssertEqual(Set(table.entries.map(\.name)), Set(fixture.params.keys), "parameter names differ from the reference")
        for e in table.entries { XCTAssertEqual(e.shape, fixture.params[e.name]?.shape, e.name) }

        // The inference path first: it leaves nothing that the training forward reads.
        let inferred = try model.predict(fixture.tokenGraphs)
        let predictions = try model.forward(fixture.tokenGraphs, training: true)
        let expected = fixture.graphs.map(\.prediction)
        var report = ParityReport()
        report.compare(predictions, expected, label: "predictions")
        report.compare(inferred, expected, label: "inference predictions")
        var gradient = [Float](repeating: 0, count: predictions.count)
        let loss = Losses.relativeSquared(predictions: predictions, targets: fixture.targets, weight: 1, gradient: &gradient)
        report.compare([loss], [fixture.loss], label: "loss")
        model.backward(predictionGradient: gradient)
        for e in table.entries {
            report.compare(try XCTUnwrap(model.gradient(named: e.name)), try XCTUnwrap(fixture.grads[e.name]).data,
                           label: "grad \(e.name)")
        }
        // Adam alone: torch's update applied to the reference gradients.
        let referenceModel = try fixture.model()
        for e in table.entries {
            let g = try XCTUnwrap(fixture.grads[e.name]).data
            for i in 0..<e.count { referenceModel.gradients.pointer[e.offset + i] = Float(g[i]) }
        }
        var adam = Adam(count: model.parameterCount)
        adam.update(parameters: referenceModel.parameters.pointer, gradients: referenceModel.gradients.pointer,
                    count: model.parameterCount, learningRate: 1e-3)
        for e in table.entries {
            report.compare(try XCTUnwrap(referenceModel.tensor(named: e.name)),
                           try XCTUnwrap(fixture.params_after_adam[e.name]).data, label: "adam \(e.name)")
        }
        // End to end, Adam on our gradients. Adam's first step is lr * g / (|g| + 1e-8), so
        // a gradient error dg moves the result by up to lr * |dg| / (|g| + 1e-8): the bound
        // adds that (twice) to the tensor's tolerance, which only matters for gradients near 1e-8.
        var ownAdam = Adam(count: model.parameterCount)
        ownAdam.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer,
                       count: model.parameterCount, learningRate: 1e-3)
        let tolerance = ParityTolerance()
        for e in table.entries {
            let ref = try XCTUnwrap(fixture.params_after_adam[e.name]).data, refGrad = try XCTUnwrap(fixture.grads[e.name]).data
            let scale = ref.map(abs).max() ?? 0
            for (i, ours) in try XCTUnwrap(model.tensor(named: e.name)).enumerated() {
                let g = Double(model.gradients.pointer[e.offset + i])
                let sensitivity = 2e-3 * abs(g - refGrad[i]) / (abs(refGrad[i]) + 1e-8)
                let bound = tolerance.relative * abs(ref[i]) + tolerance.tensorFloor * scale + sensitivity
                XCTAssertLessThanOrEqual(abs(Double(ours) - ref[i]), bound, "adam on our gradients, \(e.name)[\(i)]")
            }
        }
        print("\(name): worst error \(report.error) x tolerance at \(report.label); closest: \(report.closest(4))")
        XCTAssertLessThanOrEqual(report.error, 1, "worst at \(report.label)")
    }
}
