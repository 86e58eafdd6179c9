@testable import Engine
import Foundation
import XCTest

final class QuantileMapTests: XCTestCase {
    func testTargetsSpreadEvenlyByRankAndDecodeBack() throws {
        // A skewed set like NAS-Bench-201 accuracies: a tail of broken cells at 10%.
        var targets = [Double](repeating: 10, count: 20)
        for i in 0..<380 { targets.append(85 + 9 * Double(i) / 379) }
        var generator = SplitMix64(seed: 1)
        let map = try XCTUnwrap(QuantileMap(targets: targets.shuffled(using: &generator)))
        XCTAssertEqual(map.knots.count, 33)
        XCTAssertTrue(zip(map.knots, map.knots.dropFirst()).allSatisfy { $0 < $1 }, "ties must be nudged apart")
        XCTAssertEqual(map.encode(10), QuantileMap.low, accuracy: 1e-6)
        XCTAssertEqual(map.encode(94), QuantileMap.high, accuracy: 1e-9)
        // The median of the dense part sits near the middle of the output range, not
        // squeezed next to the top as an affine map would put it.
        XCTAssertEqual(map.encode(targets.sorted()[200]), 1.0, accuracy: 0.05)
        var previous = -Double.infinity
        for y in stride(from: 5.0, through: 99.0, by: 0.25) {
            let t = map.encode(y)
            XCTAssertGreaterThanOrEqual(t, previous, "encode must not decrease (at \(y))")
            previous = t
            if t > QuantileMap.floor { XCTAssertEqual(map.decode(t), y, accuracy: 1e-6 * max(1, y)) }
        }
        XCTAssertGreaterThan(map.encode(96), QuantileMap.high, "beyond the range the end slope extrapolates")
        XCTAssertEqual(map.encode(-1000), QuantileMap.floor, "never below the floor the relative loss needs")
    }

    func testTooFewDistinctTargetsAndBadKnotsAreRefused() {
        XCTAssertNil(QuantileMap(targets: [3, 3, 3]))
        XCTAssertNil(QuantileMap(targets: []))
        XCTAssertNil(QuantileMap(knots: [1, 1]))
        XCTAssertNil(QuantileMap(knots: [1, .nan, 3]))
        XCTAssertNotNil(QuantileMap(knots: [1, 2]))
    }

    func testCheckpointCarriesTheMapAndRefusesABrokenOne() throws {
        let table = try NB201Table.load(from: TrainingDriverTests.trainCSV).firstRows(40)
        let data = try TrainingDataset.cells(table)
        var config = ModelConfig.paperAccuracy(inDim: NB201Cell.tokenDim)
        config.hidden = 8; config.fcHidden = 8; config.layers = 1; config.groups = 2
        let trained = try TrainingDriver.freshModel(config: config, seed: 3, for: data, platform: "cifar10_test",
                                                    transform: .quantile)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quantile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("m.safetensors")
        try trained.save(to: url)
        let loaded = try TrainedModel.load(from: url)
        XCTAssertEqual(loaded.transform, .quantile)
        XCTAssertEqual(loaded.quantileMap, trained.quantileMap)
        XCTAssertEqual(try loaded.predictValues(data.graphs), try trained.predictValues(data.graphs))

        var metadata = trained.metadata
        metadata.metricsJSON = #"{"target_knots":[5,4],"target_scale":1,"target_transform":"quantile"}"#
        let brokenURL = dir.appendingPathComponent("broken.safetensors")
        try Checkpoint.save(trained.model, to: brokenURL, metadata: metadata)
        XCTAssertThrowsError(try TrainedModel.load(from: brokenURL)) { error in
            XCTAssertTrue("\(error)".contains("broken.safetensors"), "\(error)")
            XCTAssertTrue("\(error)".contains("target_knots"), "\(error)")
        }
    }
}
