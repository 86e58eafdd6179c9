import XCTest
import Engine

/// A network's prediction is the same number whatever else is in its engine batch: alone,
/// first or last of a packed batch, next to a copy of itself or next to other networks.
final class BatchCompanionTests: XCTestCase {
    func testLatencyPredictionDoesNotDependOnBatchCompanions() throws {
        let model = try DefaultModels.load(.latency)
        let folder = EvalTestData.repoData.appendingPathComponent("latency/onnx")
        let files = ["alexnet/alexnet_2026_0000", "resnet/resnet_2026_0000", "googlenet/googlenet_2026_0000",
                     "mnasnet/mnasnet_2026_0000", "vgg/vgg_2026_0000", "squeezenet/squeezenet_2026_0000",
                     "mobilenetv2/mobilenetv2_2026_0000", "efficientnet/efficientnet_2026_0000"]
        let graphs = try files.map {
            try NetworkImporter.importFile(at: folder.appendingPathComponent($0 + ".onnx"), batchSize: 1)
                .tokens(storedEncoding: model.metadata.tokenEncoding)
        }
        let alone = try graphs.map { try XCTUnwrap(model.predictValues([$0], batchSize: 1).first) }
        let batches: [[Int]] = [Array(graphs.indices), Array(graphs.indices.reversed()), [3, 3], [0, 5], [5, 0, 7],
                                Array(repeating: 2, count: 9)]
        for members in batches {
            let values = try model.predictValues(members.map { graphs[$0] }, batchSize: members.count)
            for (position, g) in members.enumerated() {
                XCTAssertEqual(values[position].bitPattern, alone[g].bitPattern,
                               "graph \(g) at position \(position) of batch \(members): \(values[position]) alone \(alone[g])")
            }
        }
    }
}
