import XCTest
@testable import Engine

/// The fine-tuning mechanism a retrain uses besides the plain loss: the L2-SP penalty toward
/// the start weights.
final class FineTuneMechanismTests: XCTestCase {
    private func model(seed: UInt64 = 11) throws -> (NARFormerModel, [TokenGraph]) {
        let config = ModelTrainingTests.tinyConfig(.latency)
        let model = try NARFormerModel(config: config, seed: seed)
        return (model, ModelTrainingTests.graphs(4, config: config, seed: 12))
    }

    /// The penalty's gradient is strength * (w - w0): zero at the start, and it adds
    /// exactly that to the data gradient once the weights moved.
    func testStartWeightPenaltyGradient() {
        let start: [Float] = [1, -2, 0.5]
        let moved: [Float] = [1.5, -2, 0]
        let penalty = start.withUnsafeBufferPointer { StartWeightPenalty(strength: 0.2, parameters: $0.baseAddress!, count: 3) }
        var gradient: [Float] = [0.1, 0.1, 0.1]
        moved.withUnsafeBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { g in penalty.addGradient(parameters: p.baseAddress!, gradients: g.baseAddress!, count: 3) }
        }
        XCTAssertEqual(gradient[0], 0.1 + 0.2 * 0.5, accuracy: 1e-7)
        XCTAssertEqual(gradient[1], 0.1, accuracy: 1e-7)
        XCTAssertEqual(gradient[2], 0.1 + 0.2 * -0.5, accuracy: 1e-7)
    }

    /// Fine-tuned on the same data for the same steps, a model under L2-SP ends closer to
    /// its start weights than one without, and the stronger the penalty the closer.
    func testStartWeightPenaltyKeepsWeightsNearTheStart() throws {
        var distances: [Double] = []
        for strength: Float in [0, 0.1, 10] {
            let (model, graphs) = try model()
            let start = TrainingDriver.snapshot(model)
            let options = TrainingOptions(schedule: LearningRateSchedule(peak: 1e-2, totalSteps: 60), startPenalty: strength)
            let trainer = Trainer(model: model, options: options)
            for _ in 0..<60 { _ = try trainer.step(graphs, targets: [0.3, 2.0, 1.7, 0.6]) }
            let end = TrainingDriver.snapshot(model)
            distances.append(zip(start, end).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot())
        }
        XCTAssertGreaterThan(distances[0], 0)
        XCTAssertLessThan(distances[1], distances[0])
        XCTAssertLessThan(distances[2], distances[1])
    }

    func testRecipeRejectsANegativePenalty() {
        var recipe = TrainingRecipe.latency(epochs: 1)
        recipe.startPenalty = -1
        XCTAssertFalse(recipe.problems.isEmpty)
        recipe.startPenalty = 0.5
        XCTAssertTrue(recipe.problems.isEmpty)
    }
}
