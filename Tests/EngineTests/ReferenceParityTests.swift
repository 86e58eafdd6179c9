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
        try checkParity("narformer_v2_latency")
    }

    func testAccuracyModelMatchesReference() throws {
        try checkParity("narformer_v2_accuracy")
    }

    private func checkParity(_ name: String) throws {
        let fixture = try ReferenceFixture.load(name)
        let model = try fixture.model()
        let table = model.parameterTable
        XCTAssertEqual(Set(table.entries.map(\.name)), Set(fixture.params.keys), "parameter names differ from the reference")
        for e in table.entries { XCTAssertEqual(e.shape, fixture.params[e.name]?.shape, e.name) }

        let predictions = try model.forward(fixture.tokenGraphs, training: true)
        let expected = fixture.graphs.map(\.prediction)
        var worst = Worst()
        worst.compare(predictions, expected, label: "predictions", scale: expected.map(abs).max() ?? 0)
        var gradient = [Float](repeating: 0, count: predictions.count)
        let loss = Losses.relativeSquared(predictions: predictions, targets: fixture.targets, weight: 1, gradient: &gradient)
        worst.compare([loss], [fixture.loss], label: "loss", scale: fixture.loss)
        model.backward(predictionGradient: gradient)
        let gradientScale = fixture.grads.values.flatMap(\.data).map(abs).max() ?? 0
        for e in table.entries {
            worst.compare(try XCTUnwrap(model.gradient(named: e.name)), try XCTUnwrap(fixture.grads[e.name]).data,
                          label: "grad \(e.name)", scale: gradientScale)
        }
        var adam = Adam(count: model.parameterCount)
        adam.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer,
                    count: model.parameterCount, learningRate: 1e-3)
        let parameterScale = fixture.params_after_adam.values.flatMap(\.data).map(abs).max() ?? 0
        for e in table.entries {
            worst.compare(try XCTUnwrap(model.tensor(named: e.name)), try XCTUnwrap(fixture.params_after_adam[e.name]).data,
                          label: "adam \(e.name)", scale: parameterScale)
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
