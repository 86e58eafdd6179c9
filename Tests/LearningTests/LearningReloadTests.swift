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
              - { name: lab, path: \(space.inbox.path), platform: cpu, accept: [json, measurements] }
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
}
