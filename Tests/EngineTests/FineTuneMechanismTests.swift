import XCTest
@testable import Engine

/// The two fine-tuning mechanisms a retrain can use: per-sample loss weights and the L2-SP
/// penalty toward the start weights.
final class FineTuneMechanismTests: XCTestCase {
    private func model(seed: UInt64 = 11) throws -> (NARFormerModel, [TokenGraph]) {
        let config = ModelTrainingTests.tinyConfig(.latency)
        let model = try NARFormerModel(config: config, seed: seed)
        return (model, ModelTrainingTests.graphs(4, config: config, seed: 12))
    }

    /// A weight w on a term is exactly that term counted w times: the loss and its gradient
    /// scale by w for that prediction and are unchanged for the others.
    func testSampleWeightsScaleTheirTermsOnly() {
        let p: [Float] = [0.9, 1.3, 2.0]
        let y: [Float] = [1.0, 1.0, 2.5]
        for relative in [true, false] {
            func run(_ weights: [Float]?) -> (Float, [Float]) {
                var g = [Float](repeating: 0, count: 3)
                let loss = relative
                    ? Losses.relativeSquared(predictions: p, targets: y, weight: 1, sampleWeights: weights, gradient: &g)
                    : Losses.logSquared(predictions: p, targets: y, weight: 1, sampleWeights: weights, gradient: &g)
                return (loss, g)
            }
            let (plain, plainGradient) = run(nil)
            let (ones, onesGradient) = run([1, 1, 1])
            XCTAssertEqual(plain, ones)
            XCTAssertEqual(plainGradient, onesGradient)
            let (weighted, weightedGradient) = run([1, 3, 0])
            XCTAssertEqual(weightedGradient[0], plainGradient[0], accuracy: 1e-7)
            XCTAssertEqual(weightedGradient[1], 3 * plainGradient[1], accuracy: 1e-6)
            XCTAssertEqual(weightedGradient[2], 0)
            // Per-term losses: what leaving one term out (weight 0) takes from the plain loss.
            let third = plain - run([1, 1, 0]).0
            let second = plain - run([1, 0, 1]).0
            XCTAssertEqual(weighted, plain + 2 * second - third, accuracy: 1e-6)
        }
    }

    /// One step with all weights 1 is the unweighted step; a weight of 0 removes a sample
    /// from the step (the same weights as training without it, when the batch mean is
    /// taken over the same count).
    func testTrainerStepWithWeights() throws {
        let schedule = LearningRateSchedule(peak: 1e-2, totalSteps: 10)
        let targets: [Float] = [0.5, 1.0, 1.5, 0.8]
        let (a, graphs) = try model()
        let (b, _) = try model()
        let (c, _) = try model()
        _ = try Trainer(model: a, options: TrainingOptions(schedule: schedule)).step(graphs, targets: targets)
        _ = try Trainer(model: b, options: TrainingOptions(schedule: schedule)).step(graphs, targets: targets, weights: [1, 1, 1, 1])
        _ = try Trainer(model: c, options: TrainingOptions(schedule: schedule)).step(graphs, targets: targets, weights: [4, 0, 0, 0])
        XCTAssertEqual(TrainingDriver.snapshot(a), TrainingDriver.snapshot(b))
        XCTAssertNotEqual(TrainingDriver.snapshot(a), TrainingDriver.snapshot(c))
        XCTAssertThrowsError(try Trainer(model: c, options: TrainingOptions(schedule: schedule))
            .step(graphs, targets: targets, weights: [1, 1]))
        XCTAssertThrowsError(try Trainer(model: c, options: TrainingOptions(schedule: schedule))
            .step(graphs, targets: targets, weights: [1, -1, 1, 1]))
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
