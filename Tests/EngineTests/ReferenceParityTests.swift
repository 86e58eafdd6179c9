import XCTest
@testable import Engine

/// The float32 engine against the float64 reference implementation: predictions, loss,
/// every gradient and the parameters after one Adam step (lr 1e-3, as in the fixture).
///
/// Tolerance: |ours - ref| <= 1e-4 * |ref| + 1e-6 * scale, i.e. 1e-4 relative with an
/// absolute floor at 1% of that bound applied to the largest value of the same kind
/// (all gradients, all parameters): float32 sums carry an error relative to their
/// largest terms, so a gradient 1e-6 times smaller than the largest one cannot be
/// held to 1e-4 of itself (the worst such case here is 1e-7 against a gradient of 0.3).
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
        var worst = Worst()
        worst.compare(predictions, expected, label: "predictions", scale: expected.map(abs).max() ?? 0)
        worst.compare(inferred, expected, label: "inference predictions", scale: expected.map(abs).max() ?? 0)
        var gradient = [Float](repeating: 0, count: predictions.count)
        let loss = Losses.relativeSquared(predictions: predictions, targets: fixture.targets, weight: 1, gradient: &gradient)
        worst.compare([loss], [fixture.loss], label: "loss", scale: fixture.loss)
        model.backward(predictionGradient: gradient)
        let gradientScale = fixture.grads.values.flatMap(\.data).map(abs).max() ?? 0
        for e in table.entries {
            worst.compare(try XCTUnwrap(model.gradient(named: e.name)), try XCTUnwrap(fixture.grads[e.name]).data,
                          label: "grad \(e.name)", scale: gradientScale)
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
        let parameterScale = fixture.params_after_adam.values.flatMap(\.data).map(abs).max() ?? 0
        for e in table.entries {
            worst.compare(try XCTUnwrap(referenceModel.tensor(named: e.name)),
                          try XCTUnwrap(fixture.params_after_adam[e.name]).data, label: "adam \(e.name)", scale: parameterScale)
        }
        // End to end, Adam on our gradients. Adam's first step is lr * g / (|g| + 1e-8), so
        // a gradient error dg moves the result by up to lr * |dg| / (|g| + 1e-8): the bound
        // adds that (twice) to the tolerance, which only matters for gradients near 1e-8.
        var ownAdam = Adam(count: model.parameterCount)
        ownAdam.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer,
                       count: model.parameterCount, learningRate: 1e-3)
        for e in table.entries {
            let ref = try XCTUnwrap(fixture.params_after_adam[e.name]).data, refGrad = try XCTUnwrap(fixture.grads[e.name]).data
            for (i, ours) in try XCTUnwrap(model.tensor(named: e.name)).enumerated() {
                let g = Double(model.gradients.pointer[e.offset + i])
                let sensitivity = 2e-3 * abs(g - refGrad[i]) / (abs(refGrad[i]) + 1e-8)
                let bound = 1e-4 * abs(ref[i]) + 1e-6 * parameterScale + sensitivity
                XCTAssertLessThanOrEqual(abs(Double(ours) - ref[i]), bound, "adam on our gradients, \(e.name)[\(i)]")
            }
        }
        print("\(name): worst error \(worst.error) x tolerance at \(worst.label); largest plain relative error \(worst.relative)")
        XCTAssertLessThanOrEqual(worst.error, 1, "worst at \(worst.label)")
    }
}

/// Largest error measured in units of the tolerance (<= 1 passes).
private struct Worst {
    var error = 0.0
    var label = ""
    /// The largest |ours - ref| / |ref| over values above 1e-3 of their kind's scale.
    var relative = 0.0

    mutating func compare(_ ours: [Float], _ reference: [Double], label: String, scale: Double) {
        XCTAssertEqual(ours.count, reference.count, label)
        for (o, r) in zip(ours, reference) {
            let diff = abs(Double(o) - r)
            let e = diff / (1e-4 * abs(r) + 1e-6 * scale + 1e-30)
            if e > error { error = e; self.label = "\(label): \(o) vs \(r)" }
            if abs(r) > 1e-3 * scale { relative = max(relative, diff / abs(r)) }
        }
    }
}
