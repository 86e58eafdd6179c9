import Config
import Foundation
import Inbox
import Learning
import Store
import TestSupport
import XCTest

/// A reloaded config reaches continual learning: new platforms take measurements, and the
/// scheduler reads the new `retraining:` section at its next poll.
final class LearningReloadTests: XCTestCase {
    private func config(_ space: LearningWorkspace, platforms: [String], epochs: Int) throws -> NarformerConfig {
        try NarformerConfig.parse(yaml: """
            store: { path: \(space.storePath) }
            models: { directory: \(space.modelsPath) }
            platforms: [\(platforms.map { "{ name: \($0) }" }.joined(separator: ", "))]
            inboxes:
              - { name: lab, path: \(space.inbox.path), platform: cpu, accept: [json, measurements],
                  measurement_platforms: [\(platforms.dropFirst().joined(separator: ", "))] }
            retraining: { epochs: \(epochs) }
            """, file: space.root + "/narformer.yaml", baseDirectory: space.root, checkFileSystem: false)
    }

    func testReloadedPlatformsAndRetrainingReachLearning() async throws {
        let space = try LearningWorkspace()
        let learning = LearningServices(config: try config(space, platforms: ["cpu"], epochs: 3), store: space.store,
                                        registry: ModelRegistry(), logger: LogCollector().logger(),
                                        locator: DefaultModelLocator(environment: [:]))
        let scheduler = learning.scheduler()
        XCTAssertEqual(scheduler.work().platforms, ["cpu"])
        XCTAssertEqual(scheduler.work().retrainer.settings.retraining.epochs, 3)
        let yaml = SyntheticCells.yaml(SyntheticCells.cells(2), platform: "gpu")
        guard case .failed(let reason) = await learning.process([space.claimed("gpu.yaml", yaml)])[0] else {
            return XCTFail("a platform that is not in the config is refused")
        }
        XCTAssertTrue(reason.contains("gpu"), reason)

        learning.apply(try config(space, platforms: ["cpu", "gpu"], epochs: 7))
        guard case .done = await learning.process([space.claimed("gpu-1.yaml", yaml)])[0] else {
            return XCTFail("a platform added by a reload takes measurements")
        }
        XCTAssertEqual(try space.measurementCount("gpu"), 2)
        XCTAssertEqual(scheduler.work().platforms, ["cpu", "gpu"], "the scheduler polls the new platform")
        XCTAssertEqual(scheduler.work().retrainer.settings.retraining.epochs, 7, "and retrains with the new settings")
    }

    func testAnInboxTakesMeasurementsOfItsOwnPlatformUnlessItsConfigListsOthers() async throws {
        let space = try LearningWorkspace()
        let yaml = SyntheticCells.yaml(SyntheticCells.cells(3), platform: "gpu")
        // The inbox of platform cpu, no measurement_platforms: a gpu record fails the file.
        guard case .failed(let reason) = await space.processor().process([space.claimed("gpu.yaml", yaml)])[0] else {
            return XCTFail("another platform's measurements are refused")
        }
        XCTAssertTrue(reason.contains("gpu.yaml:2") && reason.contains("measurement_platforms"), reason)
        XCTAssertEqual(try space.measurementCount("gpu"), 0, "nothing of the file is stored")
        let allowed = MeasurementDropProcessor(store: space.store, platforms: ["cpu", "gpu"],
                                               measurementTimeouts: [:], measurementPlatforms: ["lab": ["cpu", "gpu"]],
                                               tokens: space.tokens)
        guard case .done = await allowed.process([space.claimed("gpu-1.yaml", yaml)])[0] else {
            return XCTFail("listed platforms are taken")
        }
        XCTAssertEqual(try space.measurementCount("gpu"), 3)
        // The config key: each name must be a platform of the config.
        let config = try NarformerConfig.parse(yaml: """
            store: { path: /s }
            models: { directory: /m }
            platforms: [{ name: cpu }, { name: gpu }]
            inboxes: [{ name: lab, path: /i, platform: cpu, measurement_platforms: [gpu] }]
            """, file: "c.yaml", baseDirectory: "/", checkFileSystem: false)
        XCTAssertEqual(config.inboxes[0].acceptedMeasurementPlatforms, ["cpu", "gpu"])
        let check = NarformerConfig.check(yaml: """
            store: { path: /s }
            models: { directory: /m }
            platforms: [{ name: cpu }]
            inboxes: [{ name: lab, path: /i, platform: cpu, measurement_platforms: [tpu] }]
            """, file: "c.yaml", baseDirectory: "/", checkFileSystem: false)
        XCTAssertTrue(check.issues.contains { $0.description.contains("measurement_platforms") && $0.description.contains("tpu") },
                      "\(check.issues)")
    }
}
