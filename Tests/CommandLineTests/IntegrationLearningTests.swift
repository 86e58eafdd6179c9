import Foundation
import Glibc
import Store
import XCTest
import Daemon
import Inbox
import Lab
import Learning
import TestSupport

/// Continual learning on the real daemon process: a measurement that arrives before its
/// network, an on-demand retrain through `narformer retrain`, the hot swap of a promoted
/// version and `models rollback`, a rejected retrain, and retrains stopped by SIGKILL and SIGTERM.
final class IntegrationLearningTests: XCTestCase {
    /// One batch-1 row of data/latency/gt.txt: a real ONNX file and its measured latency.
    private struct MeasuredFile {
        var file: URL
        var latency: Double
        var name: String { file.lastPathComponent }
    }

    /// Batch-1 rows of gt.txt, taken in turn from each family so every family is represented.
    private static func measuredFiles(_ count: Int) throws -> [MeasuredFile] {
        let data = DaemonFixture.repoRoot.appendingPathComponent("data/latency")
        let text = try String(contentsOf: data.appendingPathComponent("gt.txt"), encoding: .utf8)
        var byFamily: [String: [MeasuredFile]] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 5, fields[2] == "1", let latency = Double(fields[3]) else { continue }
            byFamily[String(fields[4]), default: []].append(
                MeasuredFile(file: data.appendingPathComponent(String(fields[1])), latency: latency))
        }
        var queues = byFamily.keys.sorted().map { byFamily[$0] ?? [] }
        var picked: [MeasuredFile] = []
        var index = 0
        while picked.count < count, queues.contains(where: { !$0.isEmpty }) {
            let family = index % queues.count
            if !queues[family].isEmpty { picked.append(queues[family].removeFirst()) }
            index += 1
        }
        return picked
    }

    private static func measurementYAML(_ files: [MeasuredFile]) -> String {
        "measurements:\n" + files.map {
            "  - { network: \($0.name), batch_size: 1, latency_ms: \($0.latency), measured_at: 2026-11-28T10:00:00Z }\n"
        }.joined()
    }

    private func writeConfig(_ f: DaemonFixture, epochs: Int, minImprovement: Double = 0) throws {
        let yaml = """
            store: { path: \(f.store) }
            models:
              directory: \(f.root)/models
              default_latency: \(f.root)/shipped/latency.safetensors
              default_accuracy: \(f.root)/shipped/accuracy.safetensors
            engine: { threads: 1 }
            platforms: [{ name: lab }]
            inboxes:
              - { name: nets, path: \(f.nets), platform: lab, batch_sizes: [1], accept: [onnx, json, measurements] }
            retraining:
              enabled: true
              interval: 6h
              min_new_measurements: 5
              epochs: \(epochs)
              batch_size: 8
              holdout_share: 0.25
              promotion: { metric: mape, min_improvement: \(minImprovement), min_holdout: 1 }
            logging: { level: info }
            """
        try yaml.write(toFile: f.configFile, atomically: true, encoding: .utf8)
    }

    private static func servingVersion(_ f: DaemonFixture) -> Int? {
        DaemonStatus.read(storePath: f.store)?.latencyModels.first { $0.platform == "lab" }?.version
    }

    private static func models(_ f: DaemonFixture) throws -> [ModelRecord] {
        let store = try NarformerStore(path: f.store, readOnly: true)
        return try store.read { try $0.models(platform: "lab") }
    }

    /// Drops a network and returns the model version its prediction was made with.
    private func predictedVersion(_ f: DaemonFixture, _ file: MeasuredFile, as name: String) async throws -> Int? {
        let filed = f.names(f.nets, "done").count + f.names(f.nets, "failed").count
        try f.drop(Data(contentsOf: file.file), as: name, into: f.nets)
        let satisfied = await f.waitUntilFiled(filed + 1, in: f.nets, timeout: .seconds(30))
        XCTAssertTrue(satisfied, f.log)
        XCTAssertEqual(f.names(f.nets, "failed"), [], f.errorNote(name, in: f.nets))
        let predictions = try f.result(name, in: f.nets)["predictions"] as? [[String: Any]]
        return predictions?.first?["model_version"] as? Int
    }

    /// Log lines (the log is appended to across restarts) that contain all of `words`.
    private static func logLines(_ f: DaemonFixture, _ words: String...) -> Int {
        f.log.split(separator: "\n").filter { line in words.allSatisfy { line.contains($0) } }.count
    }

    func testMeasurementsRetrainsHotSwapRollbackAndStoppedRetrains() async throws {
        guard let executable = DaemonProcess.locateExecutable() else {
            throw XCTSkip("the narformer binary is not built next to the test bundle; run `swift build` first")
        }
        let f = try DaemonFixture(executable: executable)
        try writeConfig(f, epochs: 30)
        let all = try Self.measuredFiles(46)
        let late = all[0]
        let training = Array(all[1..<36])
        let probes = Array(all[36...])
        let daemon = try await f.start()
        defer { daemon.kill() }

        // A bad measurement file fails with the line and field named.
        try f.drop(Data("measurements:\n  - { network: \(late.name), batch_size: 1, latency_ms: -3 }\n".utf8),
                   as: "bad.yaml", into: f.nets)
        do {
            let failed = await waitUntil(timeout: .seconds(20)) { f.names(f.nets, "failed").contains("bad.yaml") }
            XCTAssertTrue(failed, f.log)
        }
        let note = f.errorNote("bad.yaml", in: f.nets)
        XCTAssertTrue(note.contains("bad.yaml:2") && note.contains("latency_ms"), note)
        try FileManager.default.removeItem(atPath: f.nets + "/failed/bad.yaml")
        try? FileManager.default.removeItem(atPath: f.nets + "/failed/bad.yaml.error.txt")

        // 1. A measurement before its network waits in .work/, and is stored once the network comes.
        try f.drop(Data(Self.measurementYAML([late]).utf8), as: "early.yaml", into: f.nets)
        do {
            let held = await waitUntil(timeout: .seconds(20)) { f.names(f.nets, ".work").contains("early.yaml") }
            XCTAssertTrue(held, f.log)
        }
        XCTAssertEqual(f.names(f.nets, "done") + f.names(f.nets, "failed"), [], "the measurement must wait for its network")
        try f.drop(Data(contentsOf: late.file), as: late.name, into: f.nets)
        do {
            let stored = await waitUntil(timeout: .seconds(30)) { f.names(f.nets, "done").contains("early.yaml") }
            XCTAssertTrue(stored, f.log + f.errorNote("early.yaml", in: f.nets))
        }

        // 2. Enough measurements, then an on-demand retrain through the documented command.
        for file in training { try f.drop(Data(contentsOf: file.file), as: file.name, into: f.nets) }
        do {
            let filed = await f.waitUntilFiled(2 + training.count, in: f.nets, timeout: .seconds(60))
            XCTAssertTrue(filed, f.log)
        }
        try f.drop(Data(Self.measurementYAML(training).utf8), as: "lab.yaml", into: f.nets)
        do {
            let filed = await f.waitUntilFiled(2 + training.count + 1, in: f.nets, timeout: .seconds(60))
            XCTAssertTrue(filed, f.log)
        }
        XCTAssertEqual(f.names(f.nets, "failed"), [], f.errorNote("lab.yaml", in: f.nets))
        XCTAssertEqual(try NarformerStore(path: f.store, readOnly: true).read { try $0.measurementCount(platform: "lab") },
                       training.count + 1)

        let retrain = try f.command(["retrain", "--platform", "lab", "--config", f.configFile, "--wait", "120"])
        XCTAssertEqual(retrain.status, 0, retrain.output + f.log)
        XCTAssertTrue(retrain.output.contains("promoted v1") || retrain.output.contains("rejected v1"), retrain.output)
        print("learning test, on-demand retrain: \(retrain.output)")
        let list = try f.command(["models", "list", "--platform", "lab", "--config", f.configFile, "--json"])
        XCTAssertEqual(list.status, 0, list.output)
        let listed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]], list.output)
        XCTAssertEqual(listed.count, 1, list.output)
        let first = try XCTUnwrap(listed.first)
        XCTAssertEqual(first["version"] as? Int, 1)
        let state = try XCTUnwrap(first["state"] as? String)
        XCTAssertTrue(state == "active" || state == "rejected", list.output)
        let metrics = try XCTUnwrap(first["metrics"] as? [String: Any], list.output)
        XCTAssertNotNil(metrics["mape"] as? Double, list.output)

        // 3. A promoted version serves the next drop (hot swap); rollback returns to the default.
        // A rejected candidate is promoted by hand, so the swap is checked either way.
        if state == "rejected" {
            let promote = try f.command(["models", "promote", "v1", "--platform", "lab", "--config", f.configFile])
            XCTAssertEqual(promote.status, 0, promote.output)
        }
        do {
            let swapped = await waitUntil(timeout: .seconds(15)) { Self.servingVersion(f) == 1 }
            XCTAssertTrue(swapped, f.log)
        }
        let versionAfterPromotion = try await predictedVersion(f, probes[0], as: probes[0].name)
        XCTAssertEqual(versionAfterPromotion, 1)
        let rollback = try f.command(["models", "rollback", "--platform", "lab", "--config", f.configFile])
        XCTAssertEqual(rollback.status, 0, rollback.output)
        do {
            let swapped = await waitUntil(timeout: .seconds(15)) { Self.servingVersion(f) == 0 }
            XCTAssertTrue(swapped, f.log)
        }
        let versionAfterRollback = try await predictedVersion(f, probes[1], as: probes[1].name)
        XCTAssertEqual(versionAfterRollback, 0)
        let status = try f.command(["status", "--config", f.configFile, "--json"])
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any], status.output)
        let platform = try XCTUnwrap((report["platforms"] as? [[String: Any]])?.first, status.output)
        XCTAssertNil(platform["activeVersion"] as? Int, status.output)
        XCTAssertEqual(platform["servingVersion"] as? Int, 0, status.output)

        let again = try f.command(["models", "promote", "v1", "--platform", "lab", "--config", f.configFile])
        XCTAssertEqual(again.status, 0, again.output)
        do {
            let swapped = await waitUntil(timeout: .seconds(15)) { Self.servingVersion(f) == 1 }
            XCTAssertTrue(swapped, f.log)
        }
        daemon.send(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: .seconds(20)), 0, f.log)

        // 4. A long retrain: predictions go on during it; SIGKILL mid-way leaves v1 active and intact.
        let active = try XCTUnwrap(try Self.models(f).first { $0.state == .active })
        let recordsBefore = try Self.models(f)
        try writeConfig(f, epochs: 100_000)
        let slow = try await f.start()
        defer { slow.kill() }
        let requestsBefore = Self.logLines(f, "retraining", "reason=requested")
        let finishedBefore = Self.logLines(f, "retrain finished")
        XCTAssertEqual(finishedBefore, 1, f.log)
        let filed = try f.command(["retrain", "--platform", "lab", "--config", f.configFile, "--wait", "0"])
        XCTAssertEqual(filed.status, 0, filed.output)
        do {
            let started = await waitUntil(timeout: .seconds(15)) { Self.logLines(f, "retraining", "reason=requested") > requestsBefore }
            XCTAssertTrue(started, f.log)
        }
        let versionDuringRetrain = try await predictedVersion(f, probes[2], as: probes[2].name)
        XCTAssertEqual(versionDuringRetrain, 1, "the active model predicts while the retrain runs")
        XCTAssertEqual(Self.logLines(f, "retrain finished"), finishedBefore, "the retrain was meant to be still running")
        slow.send(SIGKILL)
        XCTAssertEqual(slow.waitForExit(timeout: .seconds(10)), 128 + SIGKILL)

        let recordsAfter = try Self.models(f)
        XCTAssertEqual(recordsAfter, recordsBefore, "a killed retrain adds or changes no version")
        XCTAssertFalse(recordsAfter.contains { $0.state == .candidate })
        XCTAssertEqual(recordsAfter.first { $0.state == .active }, active)
        XCTAssertNoThrow(try active.verifyWeights())

        let restarted = try await f.start()
        defer { restarted.kill() }
        do {
            let serving = await waitUntil(timeout: .seconds(15)) { Self.servingVersion(f) == 1 }
            XCTAssertTrue(serving, f.log)
        }
        XCTAssertEqual(try Self.models(f), recordsBefore)
        restarted.send(SIGTERM)
        XCTAssertEqual(restarted.waitForExit(timeout: .seconds(20)), 0, f.log)

        // 5. A candidate that does not beat the active model by the configured margin is kept as rejected.
        try writeConfig(f, epochs: 30, minImprovement: 1000)
        let strict = try await f.start()
        defer { strict.kill() }
        let rejected = try f.command(["retrain", "--platform", "lab", "--config", f.configFile, "--wait", "120"])
        XCTAssertEqual(rejected.status, 0, rejected.output + f.log)
        XCTAssertTrue(rejected.output.contains("rejected v2"), rejected.output)
        let afterRejection = try Self.models(f)
        XCTAssertEqual(afterRejection.map(\.version), [1, 2])
        XCTAssertEqual(afterRejection.first { $0.version == 2 }?.state, .rejected)
        XCTAssertNotNil(afterRejection.first { $0.version == 2 }?.metrics["mape"])
        XCTAssertEqual(afterRejection.first { $0.state == .active }, active)
        XCTAssertEqual(Self.servingVersion(f), 1)
        strict.send(SIGTERM)
        XCTAssertEqual(strict.waitForExit(timeout: .seconds(20)), 0, f.log)

        // 6. SIGTERM during a retrain: the daemon stops it, drops the candidate and exits cleanly.
        try writeConfig(f, epochs: 100_000)
        let stopping = try await f.start()
        defer { stopping.kill() }
        let startedBefore = Self.logLines(f, "retraining", "reason=requested")
        _ = try f.command(["retrain", "--platform", "lab", "--config", f.configFile, "--wait", "0"])
        do {
            let started = await waitUntil(timeout: .seconds(15)) { Self.logLines(f, "retraining", "reason=requested") > startedBefore }
            XCTAssertTrue(started, f.log)
        }
        stopping.send(SIGTERM)
        XCTAssertEqual(stopping.waitForExit(timeout: .seconds(20)), 0, f.log)
        XCTAssertEqual(Self.logLines(f, "stopped before the candidate was finished"), 1, f.log)
        XCTAssertEqual(try Self.models(f), afterRejection)
        XCTAssertNoThrow(try active.verifyWeights())
    }
}
