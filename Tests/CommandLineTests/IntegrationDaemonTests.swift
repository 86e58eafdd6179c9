import Engine
import Foundation
import Glibc
import Store
import XCTest
import Daemon
import Inbox
import Learning
import Lab
import TestSupport

/// A scratch installation for the real `narformer` binary: tiny models, a config with two
/// inboxes (`nets`: onnx and json at batch sizes 1 and 4; `cells`: json only, with cell
/// accuracy), a log file. Removed afterwards.
final class DaemonFixture: Sendable {
    static let repoRoot = RepositoryData.root

    let root: String
    let executable: String
    let configFile: String
    let logFile: String
    /// `limits.recovery_attempts` when given (the daemon's default otherwise).
    let recoveryAttempts: Int?
    var nets: String { root + "/inbox/nets" }
    var cells: String { root + "/inbox/cells" }
    var store: String { root + "/store" }

    init(executable: String, batchSizes: [Int] = [1, 4], recoveryAttempts: Int? = nil) throws {
        self.executable = executable
        self.recoveryAttempts = recoveryAttempts
        var template = Array("/tmp/narformer-it-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp", path: "/tmp") }
        root = String(cString: made)
        configFile = root + "/narformer.yaml"
        logFile = root + "/daemon.log"
        try FileManager.default.createDirectory(atPath: root + "/shipped", withIntermediateDirectories: true)
        let latency = try NARFormerModel(config: ModelConfig(kind: .latency, inDim: 152, hidden: 16, layers: 1, groups: 2,
                                                             ffnRatio: 2, fcHidden: 16, staticDim: 40), seed: 11)
        try Checkpoint.save(latency, to: URL(fileURLWithPath: root + "/shipped/latency.safetensors"),
                            metadata: CheckpointMetadata(tokenEncoding: "baseline-152", platform: "lab", trainingDataDigest: "test"))
        let accuracy = try NARFormerModel(config: ModelConfig(kind: .accuracy, inDim: 128, hidden: 16, layers: 2, groups: 2,
                                                              ffnRatio: 2, fcHidden: 16, staticDim: 0, readout: .mean), seed: 12)
        try Checkpoint.save(accuracy, to: URL(fileURLWithPath: root + "/shipped/accuracy.safetensors"),
                            metadata: CheckpointMetadata(tokenEncoding: "nb201-128", platform: "nb201", trainingDataDigest: "test"))
        try writeConfig(batchSizes: batchSizes)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func writeConfig(batchSizes: [Int]) throws {
        try config(batchSizes: batchSizes).write(toFile: configFile, atomically: true, encoding: .utf8)
    }

    func config(batchSizes: [Int]) -> String {
        """
        store: { path: \(store) }
        models:
          directory: \(root)/models
          default_latency: \(root)/shipped/latency.safetensors
          default_accuracy: \(root)/shipped/accuracy.safetensors
        engine: { threads: 1 }
        platforms: [{ name: lab }]
        inboxes:
          - { name: nets, path: \(nets), platform: lab, batch_sizes: \(batchSizes), accept: [onnx, json, measurements] }
          - { name: cells, path: \(cells), platform: lab, batch_sizes: [1], accept: [json], cell_accuracy: true }
        logging: { level: info }
        """ + (recoveryAttempts.map { "\nlimits: { recovery_attempts: \($0) }\n" } ?? "")
    }

    /// Starts the daemon and waits for READY=1 on a notification socket of our own.
    func start(timeout: Duration = .seconds(30)) async throws -> DaemonProcess {
        let socket = try NotifySocket(abstract: false)
        let daemon = try DaemonProcess(executable: executable, config: configFile, logFile: logFile,
                                       environment: ["NOTIFY_SOCKET": socket.address])
        guard await socket.receive(containing: "READY=1", timeout: timeout) != nil else {
            daemon.kill()
            throw DaemonProcessError(description: "the daemon did not send READY=1; its log:\n\(log)")
        }
        return daemon
    }

    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// Writes `name.tmp` and renames it, as the README tells writers to.
    func drop(_ contents: Data, as name: String, into inbox: String) throws {
        try contents.write(to: URL(fileURLWithPath: inbox + "/" + name + ".tmp"))
        XCTAssertEqual(rename(inbox + "/" + name + ".tmp", inbox + "/" + name), 0)
    }

    /// Drop names in a protocol folder (notes left out).
    func names(_ inbox: String, _ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: inbox + "/" + folder)) ?? [])
            .filter { !$0.hasSuffix(".result.json") && !$0.hasSuffix(".error.txt") }.sorted()
    }

    func waitUntilFiled(_ count: Int, in inbox: String, timeout: Duration = .seconds(60)) async -> Bool {
        await waitUntil(timeout: timeout) { [self] in
            names(inbox, "done").count + names(inbox, "failed").count >= count
        }
    }

    func result(_ name: String, in inbox: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: inbox + "/done/" + name + ".result.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func errorNote(_ name: String, in inbox: String) -> String {
        (try? String(contentsOfFile: inbox + "/failed/" + name + ".error.txt", encoding: .utf8)) ?? "(no note)"
    }

    /// Runs a reader command of the binary; returns its exit status and stdout.
    func command(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try NarformerCommand.run(arguments, includeStandardError: false)
    }


    static let graphJSON = #"""
    {"format": "narformer-graph", "version": 1, "name": "tiny",
     "inputs": [{"name": "x", "shape": [1, 3, 32, 32]}],
     "initializers": [{"name": "w", "shape": [16, 3, 3, 3]}, {"name": "fc", "shape": [10, 16]}],
     "nodes": [
       {"name": "conv", "op": "Conv", "inputs": ["x", "w"], "attributes": {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}},
       {"name": "relu", "op": "Relu", "inputs": ["conv"]},
       {"name": "pool", "op": "GlobalAveragePool", "inputs": ["relu"]},
       {"name": "flat", "op": "Flatten", "inputs": ["pool"]},
       {"name": "gemm", "op": "Gemm", "inputs": ["flat", "fc"], "attributes": {"transB": 1}}
     ]}
    """#

    static let cellJSON = #"{"format": "narformer-graph", "version": 1, "cell": "|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|"}"#
}

/// The real daemon binary as a process: every kind of drop, bad drops, readers while it
/// runs, restart with files waiting, SIGHUP (broken and good configs), SIGTERM mid-burst.
final class IntegrationDaemonTests: XCTestCase {
    private func fixture(batchSizes: [Int] = [1, 4]) throws -> DaemonFixture {
        guard let executable = DaemonProcess.locateExecutable() else {
            throw XCTSkip("the narformer binary is not built next to the test bundle; run `swift build` first")
        }
        return try DaemonFixture(executable: executable, batchSizes: batchSizes)
    }

    func testEveryKindOfDropGoodAndBad() async throws {
        let f = try fixture()
        let daemon = try await f.start()
        defer { daemon.kill() }
        let onnx = try RepositoryData.onnxFiles(2)
        try f.drop(Data(contentsOf: onnx[0]), as: "first.onnx", into: f.nets)
        try f.drop(Data(contentsOf: onnx[1]), as: "second.onnx", into: f.nets)
        try f.drop(Data(DaemonFixture.graphJSON.utf8), as: "tiny.json", into: f.nets)
        try f.drop(Data(DaemonFixture.cellJSON.utf8), as: "cell.json", into: f.cells)
        try f.drop(Data("this is not a protobuf \u{01}\u{02}".utf8), as: "garbage.onnx", into: f.nets)
        try f.drop(Data("{\"format\": \"narformer-graph\", \"version\": 1, \"nodes\": [".utf8), as: "broken.json", into: f.nets)
        try f.drop(Data("anything".utf8), as: "notes.txt", into: f.nets)
        try f.drop(Data("measurements: []".utf8), as: "lab.yaml", into: f.nets)
        try f.drop(Data(contentsOf: onnx[0]), as: "wrong-kind.onnx", into: f.cells)
        // A link made elsewhere and renamed in (IN_MOVED_TO), as a writer following the protocol would.
        XCTAssertEqual(symlink("/etc/passwd", f.root + "/escape.onnx"), 0)
        XCTAssertEqual(rename(f.root + "/escape.onnx", f.nets + "/escape.onnx"), 0)
        do {
            let satisfied = await f.waitUntilFiled(8, in: f.nets)
            XCTAssertTrue(satisfied, f.log)
        }
        do {
            let satisfied = await f.waitUntilFiled(2, in: f.cells)
            XCTAssertTrue(satisfied, f.log)
        }

        XCTAssertEqual(f.names(f.nets, "done"), ["first.onnx", "second.onnx", "tiny.json"], f.log)
        XCTAssertEqual(f.names(f.nets, "failed"), ["broken.json", "escape.onnx", "garbage.onnx", "lab.yaml", "notes.txt"])
        XCTAssertEqual(f.names(f.cells, "done"), ["cell.json"])
        XCTAssertEqual(f.names(f.cells, "failed"), ["wrong-kind.onnx"])
        XCTAssertTrue(f.errorNote("garbage.onnx", in: f.nets).contains("could not be read as a network"))
        // Measurement drops reach the real intake, which names what is wrong with the file.
        XCTAssertTrue(f.errorNote("lab.yaml", in: f.nets).contains("the list is empty"), f.errorNote("lab.yaml", in: f.nets))
        XCTAssertTrue(f.errorNote("wrong-kind.onnx", in: f.cells).contains("accepts only .json"))
        // The link itself was filed; what it points to was never touched.
        var info = stat()
        XCTAssertEqual(lstat(f.nets + "/failed/escape.onnx", &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFLNK)

        let first = try f.result("first.onnx", in: f.nets)
        let hash = try XCTUnwrap(first["hash"] as? String)
        XCTAssertEqual(hash, try NetworkImporter.importFile(at: onnx[0]).contentHash)
        XCTAssertEqual(first["kind"] as? String, "network")
        let predictions = try XCTUnwrap(first["predictions"] as? [[String: Any]])
        XCTAssertEqual(predictions.compactMap { $0["batch_size"] as? Int }, [1, 4])
        XCTAssertTrue(predictions.allSatisfy { ($0["latency_ms"] as? Double ?? 0) > 0 && $0["model_version"] as? Int == 0 })
        let cell = try f.result("cell.json", in: f.cells)
        XCTAssertEqual(cell["kind"] as? String, "cell")
        XCTAssertNotNil((cell["accuracy"] as? [String: Any])?["value"] as? Double)

        // Readers while the daemon runs.
        let query = try f.command(["query", hash, "--store", f.store, "--json"])
        XCTAssertEqual(query.status, 0)
        let answer = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(query.output.utf8)) as? [String: Any])
        XCTAssertEqual((answer["predictions"] as? [Any])?.count, 2)
        XCTAssertEqual((answer["graph"] as? [String: Any])?["source_file"] as? String, "first.onnx")
        let byFile = try f.command(["query", onnx[0].path, "--config", f.configFile])
        XCTAssertEqual(byFile.status, 0)
        XCTAssertTrue(byFile.output.contains(hash))
        let csv = try f.command(["export", "--config", f.configFile, "--format", "csv", "--kind", "latency", "--since", "1h"])
        XCTAssertEqual(csv.status, 0)
        XCTAssertEqual(csv.output.split(separator: "\n").count, 1 + 3 * 2, csv.output)
        let jsonl = try f.command(["export", "--store", f.store, "--kind", "accuracy"])
        XCTAssertEqual(jsonl.output.split(separator: "\n").count, 1, jsonl.output)
        do {
            let satisfied = await waitUntil(timeout: .seconds(5)) { DaemonStatus.read(storePath: f.store)?.counters.done == 4 }
            XCTAssertTrue(satisfied)
        }
        let status = try f.command(["status", "--config", f.configFile, "--json"])
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any])
        XCTAssertEqual(report["daemon_running"] as? Bool, true, status.output)
        XCTAssertEqual((report["store_counts"] as? [String: Any])?["graphs"] as? Int, 4)

        daemon.send(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: .seconds(20)), 0, f.log)
        let stopped = try f.command(["status", "--config", f.configFile])
        XCTAssertTrue(stopped.output.contains("daemon        not running"), stopped.output)
    }

    func testRestartWithFilesWaitingAndReloads() async throws {
        let f = try fixture()
        let onnx = try RepositoryData.onnxFiles(4)
        // Dropped while no daemon runs.
        try FileManager.default.createDirectory(atPath: f.nets, withIntermediateDirectories: true)
        for (i, url) in onnx.prefix(3).enumerated() { try f.drop(Data(contentsOf: url), as: "waiting-\(i).onnx", into: f.nets) }
        let daemon = try await f.start()
        defer { daemon.kill() }
        do {
            let satisfied = await f.waitUntilFiled(3, in: f.nets)
            XCTAssertTrue(satisfied, f.log)
        }
        XCTAssertEqual(f.names(f.nets, "done").count, 3, f.log)

        // A broken config on SIGHUP: logged, old config kept, daemon still processes.
        try "store: { path: [unclosed".write(toFile: f.configFile, atomically: true, encoding: .utf8)
        daemon.send(SIGHUP)
        do {
            let satisfied = await waitUntil { f.log.contains("configuration not reloaded") }
            XCTAssertTrue(satisfied, f.log)
        }
        try f.drop(Data(DaemonFixture.graphJSON.utf8), as: "after-broken.json", into: f.nets)
        do {
            let satisfied = await f.waitUntilFiled(4, in: f.nets)
            XCTAssertTrue(satisfied, f.log)
        }
        XCTAssertEqual((try f.result("after-broken.json", in: f.nets)["predictions"] as? [Any])?.count, 2)

        // A good config with other batch sizes: applied to the next drop.
        try f.writeConfig(batchSizes: [1, 2, 8])
        daemon.send(SIGHUP)
        do {
            let satisfied = await waitUntil { f.log.contains("configuration reloaded") }
            XCTAssertTrue(satisfied, f.log)
        }
        try f.drop(Data(contentsOf: onnx[3]), as: "after-reload.onnx", into: f.nets)
        do {
            let satisfied = await f.waitUntilFiled(5, in: f.nets)
            XCTAssertTrue(satisfied, f.log)
        }
        let predictions = try XCTUnwrap(try f.result("after-reload.onnx", in: f.nets)["predictions"] as? [[String: Any]])
        XCTAssertEqual(predictions.compactMap { $0["batch_size"] as? Int }, [1, 2, 8])
        XCTAssertTrue(daemon.isRunning)
        daemon.send(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: .seconds(20)), 0, f.log)
    }

    func testASecondDaemonOnTheSameStoreRefusesToStart() async throws {
        let f = try fixture()
        let first = try await f.start()
        defer { first.kill() }
        let secondLog = f.root + "/second.log"
        let second = try DaemonProcess(executable: f.executable, config: f.configFile, logFile: secondLog)
        defer { second.kill() }
        let status = second.waitForExit(timeout: .seconds(30))
        let output = (try? String(contentsOfFile: secondLog, encoding: .utf8)) ?? ""
        XCTAssertNotNil(status, "the second daemon kept running next to the first")
        XCTAssertNotEqual(status ?? 0, 0, output)
        XCTAssertTrue(output.contains("another narformer (pid \(first.pid)) is serving this store"), output)
        // The first one still serves.
        XCTAssertTrue(first.isRunning)
        try f.drop(Data(DaemonFixture.graphJSON.utf8), as: "tiny.json", into: f.nets)
        let satisfied = await f.waitUntilFiled(1, in: f.nets)
        XCTAssertTrue(satisfied, f.log)
        first.send(SIGTERM)
        XCTAssertEqual(first.waitForExit(timeout: .seconds(20)), 0, f.log)
    }

    func testSigtermMidBurstLosesNothing() async throws {
        let f = try fixture()
        let onnx = try RepositoryData.onnxFiles(40)
        let daemon = try await f.start()
        defer { daemon.kill() }
        let names = onnx.enumerated().map { "burst-\($0.offset).onnx" }
        for (name, url) in zip(names, onnx) { try f.drop(Data(contentsOf: url), as: name, into: f.nets) }
        do {
            let satisfied = await waitUntil { !f.names(f.nets, "done").isEmpty }
            XCTAssertTrue(satisfied, f.log)
        }
        daemon.send(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: .seconds(20)), 0, f.log)
        // Every file is somewhere exactly once: waiting, in .work/, done or failed.
        let everywhere = f.names(f.nets, "").filter { $0.hasSuffix(".onnx") } + f.names(f.nets, ".work")
            + f.names(f.nets, "done") + f.names(f.nets, "failed")
        XCTAssertEqual(everywhere.sorted(), names.sorted())

        let again = try await f.start()
        defer { again.kill() }
        do {
            let satisfied = await f.waitUntilFiled(names.count, in: f.nets)
            XCTAssertTrue(satisfied, f.log)
        }
        XCTAssertEqual(f.names(f.nets, "done").sorted(), names.sorted(), f.log)
        again.send(SIGTERM)
        XCTAssertEqual(again.waitForExit(timeout: .seconds(20)), 0)
    }
}
