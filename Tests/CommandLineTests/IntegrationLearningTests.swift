import Foundation
import Glibc
import Store
import XCTest
import Daemon
import Inbox
import Lab
import Learning
import TestSupport

/// Continual learning on the real daemon process: measurement drops (a bad one, one that
/// arrives before its network), an on-demand retrain through `narformer retrain`, the hot
/// swap of a promoted version and `models rollback`, a rejected retrain, and retrains
/// stopped by SIGKILL and SIGTERM. The tests that need an active v1 make it without the
/// daemon (`narformer import`, `retrain --here`), then start the daemon.
final class IntegrationLearningTests: XCTestCase {
    private func fixture() throws -> DaemonFixture {
        guard let executable = DaemonProcess.locateExecutable() else {
            throw XCTSkip("the narformer binary is not built next to the test bundle; run `swift build` first")
        }
        return try DaemonFixture(executable: executable)
    }

    /// lab's entry of `narformer status --json`, and the whole output.
    private func labStatus(_ f: DaemonFixture, file: StaticString = #filePath,
                           line: UInt = #line) throws -> (report: [String: Any], output: String) {
        let status = try f.command(["status", "--config", f.configFile, "--json"])
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any],
                                   status.output, file: file, line: line)
        let platform = try XCTUnwrap((report["platforms"] as? [[String: Any]])?.first { $0["name"] as? String == "lab" },
                                     status.output, file: file, line: line)
        return (platform, status.output)
    }

    func testBadMeasurementFileFailsNamingItsLineAndField() async throws {
        let f = try fixture()
        try f.writeLearningConfig(epochs: 30)
        let network = try XCTUnwrap(try MeasuredFile.take(1).first)
        let daemon = try await f.start()
        defer { daemon.kill() }

        try f.drop(Data("measurements:\n  - { network: \(network.name), batch_size: 1, latency_ms: -3 }\n".utf8),
                   as: "bad.yaml", into: f.nets)
        let failed = await waitUntil(timeout: .seconds(20)) { f.names(f.nets, "failed").contains("bad.yaml") }
        XCTAssertTrue(failed, f.log)
        let note = f.errorNote("bad.yaml", in: f.nets)
        XCTAssertTrue(note.contains("bad.yaml:2") && note.contains("latency_ms"), note)
    }

    func testMeasurementBeforeItsNetworkWaitsInWorkAndIsStoredWhenTheNetworkComes() async throws {
        let f = try fixture()
        try f.writeLearningConfig(epochs: 30)
        let late = try XCTUnwrap(try MeasuredFile.take(1).first)
        let daemon = try await f.start()
        defer { daemon.kill() }

        try f.drop(Data(MeasuredFile.measurementYAML([late]).utf8), as: "early.yaml", into: f.nets)
        let held = await waitUntil(timeout: .seconds(20)) { f.names(f.nets, ".work").contains("early.yaml") }
        XCTAssertTrue(held, f.log)
        XCTAssertEqual(f.names(f.nets, "done") + f.names(f.nets, "failed"), [], "the measurement must wait for its network")
        try f.drop(Data(contentsOf: late.file), as: late.name, into: f.nets)
        let stored = await waitUntil(timeout: .seconds(30)) { f.names(f.nets, "done").contains("early.yaml") }
        XCTAssertTrue(stored, f.log + f.errorNote("early.yaml", in: f.nets))
    }

    /// Measurements dropped with their networks, a retrain requested through the running
    /// daemon, `models list --json`; the promoted v1 serves the next drop (a rejected v1 is
    /// promoted by hand, so the swap is checked either way); `models rollback` returns to
    /// the default model and `status --json` says so; promoting v1 again swaps it back in.
    func testRequestedRetrainIsListedPromotedVersionServesNextDropAndRollbackReturnsToDefault() async throws {
        let f = try fixture()
        try f.writeLearningConfig(epochs: 30)
        let all = try MeasuredFile.take(37)
        let training = Array(all[..<35])
        let probes = Array(all[35...])
        let daemon = try await f.start()
        defer { daemon.kill() }

        for file in training { try f.drop(Data(contentsOf: file.file), as: file.name, into: f.nets) }
        do {
            let filed = await f.waitUntilFiled(training.count, in: f.nets, timeout: .seconds(60))
            XCTAssertTrue(filed, f.log)
        }
        try f.drop(Data(MeasuredFile.measurementYAML(training).utf8), as: "lab.yaml", into: f.nets)
        do {
            let filed = await f.waitUntilFiled(training.count + 1, in: f.nets, timeout: .seconds(60))
            XCTAssertTrue(filed, f.log)
        }
        XCTAssertEqual(f.names(f.nets, "failed"), [], f.errorNote("lab.yaml", in: f.nets))
        XCTAssertEqual(try NarformerStore(path: f.store, readOnly: true).read { try $0.measurementCount(platform: "lab") },
                       training.count)

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

        if state == "rejected" {
            let promote = try f.command(["models", "promote", "v1", "--platform", "lab", "--config", f.configFile])
            XCTAssertEqual(promote.status, 0, promote.output)
        }
        do {
            let swapped = await waitUntil(timeout: .seconds(15)) { f.servingVersion == 1 }
            XCTAssertTrue(swapped, f.log)
        }
        let versionAfterPromotion = try await f.predictedVersion(probes[0])
        XCTAssertEqual(versionAfterPromotion, 1)
        let afterPromotion = try labStatus(f)
        XCTAssertEqual(afterPromotion.report["active_version"] as? Int, 1, afterPromotion.output)
        XCTAssertEqual(afterPromotion.report["serving_version"] as? Int, 1, afterPromotion.output)
        let rollback = try f.command(["models", "rollback", "--platform", "lab", "--config", f.configFile])
        XCTAssertEqual(rollback.status, 0, rollback.output)
        do {
            let swapped = await waitUntil(timeout: .seconds(15)) { f.servingVersion == 0 }
            XCTAssertTrue(swapped, f.log)
        }
        let versionAfterRollback = try await f.predictedVersion(probes[1])
        XCTAssertEqual(versionAfterRollback, 0)
        let afterRollback = try labStatus(f)
        XCTAssertNil(afterRollback.report["active_version"] as? Int, afterRollback.output)
        XCTAssertEqual(afterRollback.report["serving_version"] as? Int, 0, afterRollback.output)
        // The two probes are predicted for the platform and not measured: what `suggest` chooses from.
        XCTAssertEqual(afterRollback.report["suggestions_waiting"] as? Int, 2, afterRollback.output)
        let novel = try XCTUnwrap(afterRollback.report["novel_waiting"] as? Int, afterRollback.output)
        XCTAssertTrue((0...2).contains(novel), afterRollback.output)
        let text = try f.command(["status", "--config", f.configFile])
        XCTAssertTrue(text.output.contains("2 unmeasured networks to suggest (\(novel) novel)"), text.output)

        let again = try f.command(["models", "promote", "v1", "--platform", "lab", "--config", f.configFile])
        XCTAssertEqual(again.status, 0, again.output)
        do {
            let swapped = await waitUntil(timeout: .seconds(15)) { f.servingVersion == 1 }
            XCTAssertTrue(swapped, f.log)
        }
        daemon.send(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: .seconds(20)), 0, f.log)
    }

    /// With the shipped retraining defaults (min_new_measurements 50, min_holdout 5, a 6 h
    /// interval), a new platform is not made to wait: its first 5 measured networks are
    /// retrained on at once, judged by cross-validation, and the next drop of 5 (count
    /// doubled) retrains it again.
    func testYoungPlatformIsRetrainedFromItsFirstFiveMeasurementsWithTheDefaultSchedule() async throws {
        let f = try fixture()
        try f.writeLearningConfig(epochs: 3, defaultSchedule: true)
        let files = try MeasuredFile.take(10)
        let daemon = try await f.start()
        defer { daemon.kill() }
        for file in files { try f.drop(Data(contentsOf: file.file), as: file.name, into: f.nets) }
        let filed = await f.waitUntilFiled(files.count, in: f.nets, timeout: .seconds(60))
        XCTAssertTrue(filed, f.log)
        XCTAssertEqual(try f.models(), [], "no measurement yet, no retrain")

        try f.drop(Data(MeasuredFile.measurementYAML(Array(files[..<5])).utf8), as: "first.yaml", into: f.nets)
        let first = await waitUntil(timeout: .seconds(90)) { (try? f.models().count) == 1 }
        XCTAssertTrue(first, f.log)
        let v1 = try XCTUnwrap(try f.models().first)
        XCTAssertEqual(v1.metrics["cv_folds"], 5, "\(v1.metrics)")
        XCTAssertEqual(v1.trainingSetSize, 5)
        XCTAssertEqual(v1.metrics["holdout_count"], 5)
        XCTAssertGreaterThanOrEqual(f.logLines("retraining", "young platform"), 1, f.log)

        try f.drop(Data(MeasuredFile.measurementYAML(Array(files[5...])).utf8), as: "second.yaml", into: f.nets)
        let second = await waitUntil(timeout: .seconds(90)) { (try? f.models().count) == 2 }
        XCTAssertTrue(second, f.log)
        XCTAssertEqual(try f.models().last?.trainingSetSize, 10)
        daemon.send(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: .seconds(20)), 0, f.log)
    }

    /// A long retrain: the active v1 predicts while it runs; SIGKILL mid-way adds or changes
    /// no version, leaves v1's weights intact, and the restarted daemon serves v1 again.
    func testRetrainKilledMidwayLeavesVersionsAndActiveWeightsAsTheyWereWhilePredictionsGoOn() async throws {
        let f = try fixture()
        let files = try MeasuredFile.take(17)
        try f.writeLearningConfig(epochs: 30)
        let active = try f.prepareActiveV1(Array(files[..<16]))
        let recordsBefore = try f.models()
        try f.writeLearningConfig(epochs: 100_000)
        let slow = try await f.start()
        defer { slow.kill() }
        let requestsBefore = f.logLines("retraining", "reason=requested")
        let finishedBefore = f.logLines("retrain finished")
        XCTAssertEqual(finishedBefore, 0, f.log)
        let filed = try f.command(["retrain", "--platform", "lab", "--config", f.configFile, "--wait", "0"])
        XCTAssertEqual(filed.status, 0, filed.output)
        do {
            let started = await waitUntil(timeout: .seconds(15)) { f.logLines("retraining", "reason=requested") > requestsBefore }
            XCTAssertTrue(started, f.log)
        }
        let versionDuringRetrain = try await f.predictedVersion(files[16])
        XCTAssertEqual(versionDuringRetrain, 1, "the active model predicts while the retrain runs")
        XCTAssertEqual(f.logLines("retrain finished"), finishedBefore, "the retrain was meant to be still running")
        slow.send(SIGKILL)
        XCTAssertEqual(slow.waitForExit(timeout: .seconds(10)), 128 + SIGKILL)

        let recordsAfter = try f.models()
        XCTAssertEqual(recordsAfter, recordsBefore, "a killed retrain adds or changes no version")
        XCTAssertFalse(recordsAfter.contains { $0.state == .candidate })
        XCTAssertEqual(recordsAfter.first { $0.state == .active }, active)
        XCTAssertNoThrow(try active.verifyWeights())

        let restarted = try await f.start()
        defer { restarted.kill() }
        do {
            let serving = await waitUntil(timeout: .seconds(15)) { f.servingVersion == 1 }
            XCTAssertTrue(serving, f.log)
        }
        XCTAssertEqual(try f.models(), recordsBefore)
        restarted.send(SIGTERM)
        XCTAssertEqual(restarted.waitForExit(timeout: .seconds(20)), 0, f.log)
    }

    func testCandidateNotBeatingTheActiveModelByMinImprovementIsKeptAsRejected() async throws {
        let f = try fixture()
        try f.writeLearningConfig(epochs: 30)
        let active = try f.prepareActiveV1(try MeasuredFile.take(16))
        try f.writeLearningConfig(epochs: 30, minImprovement: 1000)
        let strict = try await f.start()
        defer { strict.kill() }

        let rejected = try f.command(["retrain", "--platform", "lab", "--config", f.configFile, "--wait", "120"])
        XCTAssertEqual(rejected.status, 0, rejected.output + f.log)
        XCTAssertTrue(rejected.output.contains("rejected v2"), rejected.output)
        let afterRejection = try f.models()
        XCTAssertEqual(afterRejection.map(\.version), [1, 2])
        XCTAssertEqual(afterRejection.first { $0.version == 2 }?.state, .rejected)
        XCTAssertNotNil(afterRejection.first { $0.version == 2 }?.metrics["mape"])
        XCTAssertEqual(afterRejection.first { $0.state == .active }, active)
        // The status file is rewritten every second: read one written after the answer.
        let answered = Date()
        let fresh = await waitUntil(timeout: .seconds(10)) {
            (DaemonStatus.read(storePath: f.store)?.updatedAt ?? .distantPast) > answered
        }
        XCTAssertTrue(fresh, f.log)
        XCTAssertEqual(f.servingVersion, 1)
        strict.send(SIGTERM)
        XCTAssertEqual(strict.waitForExit(timeout: .seconds(20)), 0, f.log)
    }

    func testSIGTERMDuringRetrainStopsItDropsTheCandidateAndExitsZero() async throws {
        let f = try fixture()
        try f.writeLearningConfig(epochs: 30)
        let active = try f.prepareActiveV1(try MeasuredFile.take(16))
        let recordsBefore = try f.models()
        try f.writeLearningConfig(epochs: 100_000)
        let stopping = try await f.start()
        defer { stopping.kill() }

        let startedBefore = f.logLines("retraining", "reason=requested")
        let filed = try f.command(["retrain", "--platform", "lab", "--config", f.configFile, "--wait", "0"])
        XCTAssertEqual(filed.status, 0, filed.output)
        do {
            let started = await waitUntil(timeout: .seconds(15)) { f.logLines("retraining", "reason=requested") > startedBefore }
            XCTAssertTrue(started, f.log)
        }
        stopping.send(SIGTERM)
        XCTAssertEqual(stopping.waitForExit(timeout: .seconds(20)), 0, f.log)
        XCTAssertEqual(f.logLines("stopped before the candidate was finished"), 1, f.log)
        XCTAssertEqual(try f.models(), recordsBefore)
        XCTAssertNoThrow(try active.verifyWeights())
    }
}
