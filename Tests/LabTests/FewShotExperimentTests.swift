import Engine
import Foundation
import XCTest
import Lab
import Learning
import TestSupport

/// `narformer-lab bench fewshot` on the repo's NAS-Bench-201 table, two devices: each left
/// out of its priors, 10 cells through a drop and one retrain with the default settings.
final class FewShotExperimentTests: XCTestCase {
    func testTenMeasuredCellsThroughTheDaemonsPathGiveAModelOfANewDevice() async throws {
        let data = try NB201Devices(folder: RepositoryData.root.appendingPathComponent("data/nb201"))
        XCTAssertEqual(data.deviceNames.count, 21)
        let priors = try data.priors()
        XCTAssertEqual(priors, try CellPriors.shipped(environment: [:]), "the shipped priors are what cell-priors makes")
        let experiment = FewShotExperiment(data: data, priors: priors)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-fewshot-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        for device in ["titanxp_256", "gold_6240"] {
            let results = try await experiment.run(device: device, shots: [10], workDirectory: work)
            let result = try XCTUnwrap(results.first)
            XCTAssertTrue(result.outcome.hasPrefix("promoted v1"), result.outcome)
            XCTAssertTrue(result.outcome.contains("cross-validation"), result.outcome)
            XCTAssertNotNil(result.source)
            XCTAssertNotEqual(result.source, device, "a device is never its own prior")
            XCTAssertEqual(result.evaluated, data.latencies[device]!.count - 10)
            // Measured: 0.998 and 0.955 (docs/continual-learning.md).
            XCTAssertGreaterThan(result.rho, 0.93, device)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("fewshot-gold_6240-10").path),
                       "each platform's folder is removed")
    }
}
