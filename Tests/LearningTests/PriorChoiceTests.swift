import Engine
import Foundation
import Learning
import Store
import TestSupport
import XCTest

/// A platform without a model of its own starts from the shipped model that ranks its
/// measured networks best.
final class PriorChoiceTests: XCTestCase {
    func testThePriorThatRanksTheMeasurementsBestIsChosen() async throws {
        let files = try RepositoryData.onnxFiles(12)
        let ort = try DefaultModels.url(for: .latency, platform: "cpu-ort-1t")
        let openvino = try DefaultModels.url(for: .latency, platform: "cpu-openvino-1t")
        XCTAssertNotEqual(ort, openvino)
        // Measured = what one prior predicts: its ranks agree perfectly; the other's do not.
        for (truth, other) in [(openvino, ort), (ort, openvino)] {
            let model = try TrainedModel.load(from: truth)
            let graphs = try files.map { try NetworkImporter.importFile(at: $0, batchSize: 1).tokens(storedEncoding: model.metadata.tokenEncoding) }
            let latencies = try model.predictValues(graphs)
            let otherModel = try TrainedModel.load(from: other)
            let otherGraphs = try files.map { try NetworkImporter.importFile(at: $0, batchSize: 1).tokens(storedEncoding: otherModel.metadata.tokenEncoding) }
            XCTAssertLessThan(Metrics.spearman(try otherModel.predictValues(otherGraphs), latencies), 0.9999,
                              "the two priors must rank these networks differently for the test to mean anything")
            // A fresh platform for each case (the workspace's inbox takes `cpu`).
            let space = try LearningWorkspace(), platform = "cpu"
            for file in files {
                try FileManager.default.copyItem(atPath: file.path, toPath: space.inbox.path + "/done/" + file.lastPathComponent)
            }
            let yaml = "measurements:\n" + zip(files, latencies).map { file, latency in
                "  - network: \(file.lastPathComponent)\n    batch_size: 1\n    latency_ms: \(latency)\n    platform: \(platform)\n"
            }.joined()
            let outcome = await space.processor().process([space.claimed("m-\(platform).yaml", yaml)])[0]
            guard case .done = outcome else { return XCTFail("not stored: \(outcome)") }
            let measurements = try space.store.read { try $0.measurements(platform: platform) }
            XCTAssertEqual(measurements.count, files.count)
            for order in [[ort, openvino], [openvino, ort]] {
                XCTAssertEqual(PriorChoice.choose(order, measurements: measurements, tokens: space.tokens, include: { _ in true }),
                               truth, "\(platform), candidates \(order.map(\.lastPathComponent))")
            }
            // Fewer than 3 networks: the first candidate.
            XCTAssertEqual(PriorChoice.choose([other, truth], measurements: Array(measurements.prefix(2)), tokens: space.tokens,
                                              include: { _ in true }), other)
        }
    }
}
