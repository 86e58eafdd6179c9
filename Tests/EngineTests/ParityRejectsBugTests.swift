import XCTest
@testable import Engine

/// The parity check must fail on a realistic bug, or it proves nothing. The bug: the
/// attention normaliser P = S / (rowsum(S) + 1e-6) differentiated as if its row sum were a
/// constant, a term a hand-written backward pass can drop while every other gradient stays
/// right. Its gradients were computed by the float64 reference with the row sum detached
/// (tools/fixtures/attention_normaliser_bug.py, Fixtures/reference/*_normaliser_bug.json);
/// the product's code is not touched.
final class ParityRejectsBugTests: XCTestCase {
    func testLatencyParityRejectsDroppedNormaliserGradient() throws {
        try checkRejectsNormaliserBug("narformer_v2_latency")
    }

    func testAccuracyParityRejectsDroppedNormaliserGradient() throws {
        try checkRejectsNormaliserBug("narformer_v2_accuracy")
    }

    private func checkRejectsNormaliserBug(_ name: String) throws {
        let fixture = try ReferenceFixture.load(name)
        let bug = try BuggyGradients.load("\(name)_normaliser_bug")
        XCTAssertFalse(bug.grads.isEmpty, "the bug fixture changes no gradient")
        let model = try fixture.model()
        let predictions = try model.forward(fixture.tokenGraphs, training: true)
        var gradient = [Float](repeating: 0, count: predictions.count)
        _ = Losses.relativeSquared(predictions: predictions, targets: fixture.targets, weight: 1, gradient: &gradient)
        model.backward(predictionGradient: gradient)

        var right = ParityReport(), wrong = ParityReport()
        for (tensor, buggy) in bug.grads.sorted(by: { $0.key < $1.key }) {
            let reference = try XCTUnwrap(fixture.grads[tensor]).data
            right.compare(try XCTUnwrap(model.gradient(named: tensor)), reference, label: tensor)
            var alone = ParityReport()
            alone.compare(buggy.data.map { Float($0) }, reference, label: tensor)
            wrong.compare(buggy.data.map { Float($0) }, reference, label: tensor)
            // Every qk.bias tensor, the smallest gradients of the model, must reject the bug
            // by itself: these are the values a tolerance scaled across tensors let through.
            if tensor.hasSuffix("qk.bias") {
                XCTAssertGreaterThan(alone.error, 1, "\(name): \(tensor) accepts the dropped normaliser gradient")
            }
        }
        print("\(name): engine \(right.error) x tolerance, bug \(wrong.error) x tolerance; bug per tensor: \(wrong.closest(12))")
        XCTAssertLessThanOrEqual(right.error, 1, "the engine's own gradients must pass (worst at \(right.label))")
        XCTAssertGreaterThan(wrong.error, 1, "the parity check accepts gradients with the normaliser's term dropped")
    }
}

/// Gradients of a deliberately wrong backward pass, by parameter name.
private struct BuggyGradients: Decodable {
    let grads: [String: ReferenceFixture.Tensor]

    static func load(_ name: String) throws -> BuggyGradients {
        guard let url = Bundle.module.url(forResource: "Fixtures/reference/\(name)", withExtension: "json") else {
            throw EngineError.invalidBatch("fixture \(name) is missing from the test bundle")
        }
        return try JSONDecoder().decode(BuggyGradients.self, from: Data(contentsOf: url))
    }
}
