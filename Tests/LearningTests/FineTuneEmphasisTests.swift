import Engine
import Foundation
import Learning
import TestSupport
import XCTest

final class FineTuneEmphasisTests: XCTestCase {
    /// Five AlexNet networks "measured" at the shipped model's prediction times exp(error).
    private func samples(errors: [Double], model: TrainedModel) throws -> [MeasuredSample] {
        let networks = try RepositoryData.alexnetNumbers(errors.count).map {
            try NetworkImporter.importFile(at: RepositoryData.alexnet($0), batchSize: 1)
        }
        let graphs = try networks.map { try $0.tokens(storedEncoding: model.metadata.tokenEncoding) }
        let predicted = try model.predictValues(graphs, batchSize: 64)
        return zip(zip(networks, graphs), zip(predicted, errors)).map { pair, value in
            MeasuredSample(measurementID: pair.0.contentHash, graphHash: pair.0.contentHash, graph: pair.1,
                           latencyMs: Float(value.0 * exp(value.1)))
        }
    }

    /// Weight = absolute log error over the median one, at least 1, at most the cap; the sign
    /// of the error does not matter.
    func testStartErrorWeighsUpWhatTheStartModelMisses() throws {
        let model = try DefaultModels.load(.latency)
        let measured = try samples(errors: [0.05, -0.05, 0.1, -0.4, 1.0], model: model)
        let weights = try FineTuneEmphasis.startError(cap: 5).weights(for: measured, start: model)
        let expected: [Float] = [1, 1, 1, 4, 5]
        for (weight, wanted) in zip(weights, expected) { XCTAssertEqual(weight, wanted, accuracy: 1e-3) }
        XCTAssertEqual(try FineTuneEmphasis.none.weights(for: measured, start: model), [1, 1, 1, 1, 1])
        // A start model that fits every measurement exactly weighs them all 1.
        let exact = try samples(errors: [0, 0, 0], model: model)
        for weight in try FineTuneEmphasis.startError(cap: 5).weights(for: exact, start: model) {
            XCTAssertEqual(weight, 1, accuracy: 1e-3)
        }
    }

    /// Novelty weights lie between 1 and the cap, one per sample.
    func testNoveltyWeightsAreBounded() throws {
        let model = try DefaultModels.load(.latency)
        let measured = try samples(errors: [0, 0, 0], model: model)
        let weights = try FineTuneEmphasis.novelty(cap: 3).weights(for: measured, start: model)
        XCTAssertEqual(weights.count, 3)
        for weight in weights { XCTAssertTrue((1...3).contains(weight), "\(weight)") }
    }
}
