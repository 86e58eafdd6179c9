import Config
import Engine
import Foundation
import Glibc
import Store
import XCTest
import Inbox
import Learning
import TestSupport

/// The learning commands as separate processes: bulk import, and a retrain killed midway.
final class LearningProcessTests: XCTestCase {

    private func writeConfig(_ space: LearningWorkspace, epochs: Int) throws -> String {
        let path = space.root + "/narformer.yaml"
        let yaml = """
            store:
              path: \(space.storePath)
            models:
              directory: \(space.modelsPath)
            platforms:
              - name: cpu
            retraining:
              epochs: \(epochs)
              batch_size: 4
              min_new_measurements: 1
              holdout_share: 0.25
              promotion: { min_holdout: 1 }
            """
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try NarformerCommand.run(arguments)
    }

    func testImportIsIdempotentAndNamesBadLines() throws {
        let space = try LearningWorkspace()
        let config = try writeConfig(space, epochs: 1)
        let numbers = RepositoryData.alexnetNumbers(4)
        var lines = numbers.enumerated().map { i, n in
            "a\(i) \(RepositoryData.alexnet(n).path) 1 \(10 + i).5 alexnet cpu"
        }
        lines.append("missing \(space.root)/nowhere.onnx 1 3.0 alexnet cpu")
        let list = space.root + "/gt.txt"
        try lines.joined(separator: "\n").write(toFile: list, atomically: true, encoding: .utf8)

        let first = try run(["import", list, "--platform", "cpu", "--config", config])
        XCTAssertEqual(first.status, 1, first.output)
        XCTAssertTrue(first.output.contains("gt.txt:5"), first.output)
        XCTAssertTrue(first.output.contains("5 records: 4 new, 0 already stored, 1 failed"), first.output)
        let second = try run(["import", list, "--platform", "cpu", "--store", space.storePath])
        XCTAssertTrue(second.output.contains("0 new, 4 already stored"), second.output)
        XCTAssertEqual(try space.measurementCount(), 4)
        // Every network's tokens, in every encoding, are in the store (no token files).
        for number in numbers {
            let network = try NetworkImporter.importFile(at: RepositoryData.alexnet(number), batchSize: 1)
            for encoding in network.storedEncodings {
                XCTAssertEqual(try space.tokens.tokens(graphHash: network.contentHash, batchSize: 1, encoding: encoding),
                               try network.tokens(for: encoding), encoding.storedName)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: StoreFolder(path: space.storePath).tokens.path))

        let unknown = try run(["import", list, "--platform", "tpu", "--config", config])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.output.contains("platform 'tpu' is not in the config"), unknown.output)
    }

    func testModelsCommandListsRollsBackAndPromotes() async throws {
        let space = try LearningWorkspace()
        guard case .done = await space.processor().process([space.claimed("c.yaml", SyntheticCells.yaml(SyntheticCells.cells(30)))])[0] else {
            return XCTFail("measurements not stored")
        }
        let small = ModelConfig(kind: .accuracy, inDim: NB201Cell.tokenDim, hidden: 16, layers: 1, groups: 4, ffnRatio: 2,
                                fcHidden: 16, staticDim: 0, readout: .mean, dropout: 0)
        let settings = RetrainSettings(retraining: RetrainingConfig(epochs: 1, holdoutShare: 0.25, promotion: PromotionRule(minHoldout: 1)),
                                       modelsDirectory: space.modelsPath, scratchConfig: { _ in small })
        _ = try await Retrainer(store: space.store, settings: settings, tokens: space.tokens, registry: nil).retrain(platform: "cpu")
        let config = try writeConfig(space, epochs: 1)

        let list = try run(["models", "list", "--config", config])
        XCTAssertEqual(list.status, 0, list.output)
        XCTAssertTrue(list.output.contains("cpu") && list.output.contains("v1") && list.output.contains("active"), list.output)
        let json = try run(["models", "list", "--config", config, "--json"])
        let records = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]]
        XCTAssertEqual(records?.first?["state"] as? String, "active", json.output)

        let rollback = try run(["models", "rollback", "--config", config])
        XCTAssertEqual(rollback.status, 0, rollback.output)
        XCTAssertTrue(rollback.output.contains("v1 rolled back; no version is active"), rollback.output)
        XCTAssertNil(try space.store.read { try $0.activeModel(platform: "cpu") })

        let promote = try run(["models", "promote", "v1", "--config", config])
        XCTAssertEqual(promote.status, 0, promote.output)
        XCTAssertEqual(try space.store.read { try $0.activeModel(platform: "cpu") }?.version, 1)
        let missing = try run(["models", "promote", "7", "--config", config])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("cpu has no model v7"), missing.output)
    }

    /// A retrain killed (SIGKILL, or SIGTERM to the command-line retrain) in the middle
    /// leaves the active model active and intact, and no other version.
    func testKilledRetrainNeverHalfPromotes() async throws {
        let space = try LearningWorkspace()
        // Enough cells that the command's retrain (a config's settings: the cell recipe)
        // trains its network, from 400 cells on the training side.
        let cells = SyntheticCells.cells(600)
        guard case .done = await space.processor().process([space.claimed("c.yaml", SyntheticCells.yaml(cells))])[0] else {
            return XCTFail("measurements not stored")
        }
        let small = ModelConfig(kind: .accuracy, inDim: NB201Cell.tokenDim, hidden: 32, layers: 2, groups: 4, ffnRatio: 2,
                                fcHidden: 32, staticDim: 0, readout: .mean, dropout: 0)
        let settings = RetrainSettings(retraining: RetrainingConfig(epochs: 1, holdoutShare: 0.25, promotion: PromotionRule(minHoldout: 1)),
                                       modelsDirectory: space.modelsPath, scratchConfig: { _ in small })
        let first = try await Retrainer(store: space.store, settings: settings, tokens: space.tokens, registry: nil)
            .retrain(platform: "cpu")
        XCTAssertEqual(first.decision, .promoted, first.summary)
        let active = try XCTUnwrap(try space.store.read { try $0.activeModel(platform: "cpu") })
        let weightsBefore = try Data(contentsOf: URL(fileURLWithPath: active.weightsPath))

        let config = try writeConfig(space, epochs: 100_000)
        for signal in [SIGKILL, SIGTERM] {
            let process = Process()
            process.executableURL = try NarformerCommand.executable()
            process.arguments = ["retrain", "--platform", "cpu", "--config", config, "--here"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .milliseconds(1500))
            XCTAssertTrue(process.isRunning, "the retrain should still be training")
            kill(process.processIdentifier, signal)
            process.waitUntilExit()

            let models = try space.store.read { try $0.models(platform: "cpu") }
            XCTAssertEqual(models, [active], "signal \(signal): no version was added or changed")
            XCTAssertNoThrow(try active.verifyWeights())
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: active.weightsPath)), weightsBefore)
        }
        // The next retrain clears what the killed one left and records v2.
        let next = try await Retrainer(store: space.store, settings: settings, tokens: space.tokens, registry: nil)
            .retrain(platform: "cpu")
        XCTAssertEqual(next.version, 2)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: space.modelsPath).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
    }
}
