import Foundation
import XCTest
@testable import Engine

/// Data set selection for train/eval, baselines on the complement, and the default-model lookup.
final class TrainingSelectionTests: XCTestCase {
    static let nb201 = TrainingDriverTests.repo.appendingPathComponent("data/nb201")

    func testRowFiltersAndTheComplement() throws {
        var selection = DatasetSelection()
        selection.firstRows = 781
        let (selected, rest) = try selection.load(Self.nb201.appendingPathComponent("train.csv"), cache: nil)
        XCTAssertEqual(selected.count, 781)
        XCTAssertEqual(rest.count, 1563 - 781)
        XCTAssertEqual(selection.defaultKind(for: Self.nb201.appendingPathComponent("train.csv")), .accuracy)
        XCTAssertTrue(Set(selected.samples.map(\.name)).isDisjoint(with: rest.samples.map(\.name)))
    }

    func testDeviceColumnsBecomeStaticOneHots() throws {
        let latency = Self.nb201.appendingPathComponent("latency.csv")
        var one = DatasetSelection()
        one.target = "gold_6240"
        one.rowsFrom = Self.nb201.appendingPathComponent("val.csv")
        XCTAssertEqual(one.defaultKind(for: latency), .latency)
        let (val, train) = try one.load(latency, cache: nil)
        XCTAssertEqual(val.count, 200)
        XCTAssertEqual(train.count, 1563)
        XCTAssertEqual(val.samples[0].graph.staticFeatures, [1])

        var all = DatasetSelection()
        all.target = "all-devices"
        all.families = ["pixel3", "titanx_1"]
        all.rowsNotIn = Self.nb201.appendingPathComponent("train.csv")
        let (selected, rest) = try all.load(latency, cache: nil)
        XCTAssertEqual(selected.count, 2 * 200)
        XCTAssertEqual(selected.count + rest.count, 21 * 1763)
        XCTAssertEqual(selected.samples[0].graph.staticFeatures.count, 21)
        XCTAssertEqual(Set(selected.families), ["pixel3", "titanx_1"])
        XCTAssertTrue(selected.encoding.hasPrefix("nb201-cell-128+device:"))

        // The op-count baseline fits per device on the complement.
        let predicted = try BaselineKind.nb201Ops.predictions(fit: rest, test: selected)
        let titan = selected.samples.indices.filter { selected.samples[$0].family == "titanx_1" }
        let rho = Metrics.spearman(titan.map { predicted[$0] }, titan.map { selected.samples[$0].target })
        XCTAssertEqual(rho, 0.981, accuracy: 0.002)   // docs/datasets.md, titanx_1
    }

    func testBadSelectionsSayWhy() {
        var families = DatasetSelection()
        families.families = ["resnet"]
        XCTAssertThrowsError(try families.load(Self.nb201.appendingPathComponent("train.csv"), cache: nil)) {
            XCTAssertTrue("\($0)".contains("no families"), "\($0)")
        }
        var target = DatasetSelection()
        target.target = "no_such_device"
        XCTAssertThrowsError(try target.load(Self.nb201.appendingPathComponent("latency.csv"), cache: nil)) {
            XCTAssertTrue("\($0)".contains("no_such_device"), "\($0)")
        }
    }

    func testDefaultModelsAreLookedUpInTheEnvironmentFolderFirst() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent(DefaultModels.accuracyFileName)
        try Data("x".utf8).write(to: file)
        XCTAssertEqual(try DefaultModels.url(for: .accuracy, environment: ["NARFORMER_MODELS": folder.path]).path, file.path)
        let places = DefaultModels.candidates(.latency, environment: ["NARFORMER_MODELS": folder.path])
        XCTAssertEqual(places.first?.path, folder.appendingPathComponent(DefaultModels.latencyFileName).path)
        XCTAssertTrue(places.contains { $0.path.hasSuffix("narformer_Engine.resources/DefaultModels/\(DefaultModels.latencyFileName)") })
    }

    func testShippedModelsLoadAndPredict() throws {
        let latency = try DefaultModels.load(.latency)
        XCTAssertEqual(latency.kind, .latency)
        XCTAssertEqual(latency.metadata.platform, DefaultModels.latencyPlatform)
        // The shipped latency model reads the costs tokens through the node-cost readout
        // (docs/results.md section 1); it predicts a network of its training data near
        // the measured 12.89 ms and 215.0 ms (batch 4).
        XCTAssertEqual(latency.metadata.tokenEncoding, TokenEncoding.costs.storedName)
        XCTAssertEqual(latency.model.config.readout, .nodeCost)
        let data = TrainingDriverTests.repo.appendingPathComponent("data/latency/onnx/resnet")
        let graphs = try [("resnet_2026_0000.onnx", 1), ("resnet_2026_0001.onnx", 4)].map { name, batch in
            try NetworkImporter.importFile(at: data.appendingPathComponent(name), batchSize: batch)
                .tokens(storedEncoding: latency.metadata.tokenEncoding)
        }
        let predicted = try latency.predictValues(graphs)
        XCTAssertEqual(predicted[0], 12.89, accuracy: 12.89 * 0.25)
        XCTAssertEqual(predicted[1], 215.0, accuracy: 215.0 * 0.25)
        let accuracy = try DefaultModels.load(.accuracy)
        XCTAssertEqual(accuracy.kind, .accuracy)
        let cell = try NB201Cell(arch: "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|")
        let value = try accuracy.predictValues([cell.tokenGraph()])[0]
        XCTAssertTrue(value > 50 && value < 100, "\(value)")
    }
}
