import XCTest
@testable import Engine

/// The float32 engine against the float64 reference implementation: predictions, loss,
/// every gradient and the parameters after one Adam step (lr 1e-3, as in the fixture).
///
/// Tolerance: |ours - ref| <= 1e-4 * |ref| + 1e-4 * 1e-2 * max|ref of that tensor|, i.e.
/// 1e-4 relative, with an absolute floor at 1% of the tensor's scale so that values
/// near zero (float32 cancellation) are not held to a relative bound they cannot meet.
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
        worst.compare(predictions, expected, label: "predictions")
        var gradient = [Float](repeating: 0, count: predictions.count)
        let loss = Losses.relativeSquared(predictions: predictions, targets: fixture.targets, weight: 1, gradient: &gradient)
        worst.compare([loss], [fixture.loss], label: "loss")
        model.backward(predictionGradient: gradient)
        for e in table.entries {
            worst.compare(try XCTUnwrap(model.gradient(named: e.name)), try XCTUnwrap(fixture.grads[e.name]).data,
                          label: "grad \(e.name)")
        }
        var adam = Adam(count: model.parameterCount)
        adam.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer,
                    count: model.parameterCount, learningRate: 1e-3)
        for e in table.entries {
            worst.compare(try XCTUnwrap(model.tensor(named: e.name)), try XCTUnwrap(fixture.params_after_adam[e.name]).data,
                          label: "adam \(e.name)")
        }
        print("\(name): worst relative error \(worst.error) at \(worst.label)")
        XCTAssertLessThanOrEqual(worst.error, 1, "worst at \(worst.label)")
    }
}

/// Largest error measured in units of the tolerance (<= 1 passes).
private struct Worst {
    var error = 0.0
    var label = ""

    mutating func compare(_ ours: [Float], _ reference: [Double], label: String) {
        XCTAssertEqual(ours.count, reference.count, label)
        let scale = reference.map(abs).max() ?? 0
        for (o, r) in zip(ours, reference) {
            let e = abs(Double(o) - r) / (1e-4 * abs(r) + 1e-6 * scale + 1e-12)
            if e > error { error = e; self.label = "\(label): \(o) vs \(r)" }
        }
    }
}
