import Foundation
import XCTest
@testable import Engine

/// The authors' recipe feeds the relative loss what their code feeds it: NAS-Bench-201
/// accuracies as fractions, not divided by the training median.
final class RecipeSwitchesTests: XCTestCase {
    static let trainCSV = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/nb201/train.csv")

    func testOnlyTheAuthorsAccuracyRatioTargetsTakeAFixedScale() {
        XCTAssertEqual(RecipeSwitches.authors.ratioScale(kind: .accuracy, transform: .ratio), 100)
        XCTAssertNil(RecipeSwitches.authors.ratioScale(kind: .accuracy, transform: .quantile))
        XCTAssertNil(RecipeSwitches.authors.ratioScale(kind: .latency, transform: .ratio))
        XCTAssertNil(RecipeSwitches.narformer.ratioScale(kind: .accuracy, transform: .ratio))
    }

    func testTheAuthorsScaleTurnsPercentagesIntoFractions() throws {
        let data = try TrainingDataset.cells(try NB201Table.load(from: Self.trainCSV).firstRows(48))
        var config = ModelConfig.paperAccuracy(inDim: NB201Cell.tokenDim)
        config.hidden = 16; config.fcHidden = 16; config.layers = 1; config.groups = 2
        let scale = RecipeSwitches.authors.ratioScale(kind: .accuracy, transform: .ratio)
        let authors = try TrainingDriver.freshModel(config: config, seed: 1, for: data, platform: "cifar10_test",
                                                    transform: .ratio, ratioScale: scale)
        XCTAssertEqual(authors.targetScale, 100)
        XCTAssertEqual(authors.encode(93.105), 0.93105, accuracy: 1e-12)
        XCTAssertEqual(authors.decode(authors.encode(10.0)), 10.0, accuracy: 1e-12)
        // Without a fixed scale the median of the training targets divides (this project's ratio).
        let median = try TrainingDriver.freshModel(config: config, seed: 1, for: data, platform: "cifar10_test",
                                                   transform: .ratio)
        XCTAssertEqual(median.targetScale, data.targets.sorted()[24])
        XCTAssertNotEqual(median.targetScale, 100)
    }

    func testAFixedScaleIsRefusedOutsideTheRatioTransformAndWhenNotPositive() throws {
        let data = try TrainingDataset.cells(try NB201Table.load(from: Self.trainCSV).firstRows(8))
        var config = ModelConfig.paperAccuracy(inDim: NB201Cell.tokenDim)
        config.hidden = 16; config.fcHidden = 16; config.layers = 1; config.groups = 2
        XCTAssertThrowsError(try TrainingDriver.freshModel(config: config, seed: 1, for: data, platform: "x",
                                                           transform: .quantile, ratioScale: 100)) { error in
            XCTAssertTrue("\(error)".contains("ratio transform"), "\(error)")
        }
        XCTAssertThrowsError(try TrainingDriver.freshModel(config: config, seed: 1, for: data, platform: "x",
                                                           transform: .ratio, ratioScale: 0))
    }
}
