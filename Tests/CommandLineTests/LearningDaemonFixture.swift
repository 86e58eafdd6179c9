import Daemon
import Foundation
import Lab
import Store
import XCTest

/// One batch-1 row of data/latency/gt.txt: a real ONNX file and its measured latency.
struct MeasuredFile {
    var file: URL
    var latency: Double
    var name: String { file.lastPathComponent }

    /// Batch-1 rows of gt.txt, taken in turn from each family so every family is represented.
    static func take(_ count: Int) throws -> [MeasuredFile] {
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

    /// A measurements drop (YAML) for `files` on the inbox's platform.
    static func measurementYAML(_ files: [MeasuredFile]) -> String {
        "measurements:\n" + files.map {
            "  - { network: \($0.name), batch_size: 1, latency_ms: \($0.latency), measured_at: 2026-11-28T10:00:00Z }\n"
        }.joined()
    }

    /// `files` as an NNLQP latency list (`<id> <onnx path> <batch> <latency ms> <family>`).
    static func latencyList(_ files: [MeasuredFile]) -> String {
        files.map { file in
            let family = file.file.deletingLastPathComponent().lastPathComponent
            return "\(file.file.deletingPathExtension().lastPathComponent) \(file.file.path) 1 \(file.latency) \(family)\n"
        }.joined()
    }
}

/// The learning side of a `DaemonFixture`: a config with one `nets` inbox that takes
/// measurements and a `retraining:` section, the store's model versions, and a way to
/// reach an active v1 without the daemon (`narformer import` and `retrain --here`).
extension DaemonFixture {
    /// Platform `lab`, inbox `nets` (onnx, json, measurements at batch size 1), retraining
    /// with `epochs` per retrain and promotion by MAPE at `minImprovement`.
    /// `defaultSchedule`: the `retraining:` section names only `epochs`, so when and on what
    /// a platform is retrained and judged are the shipped defaults.
    func writeLearningConfig(epochs: Int, minImprovement: Double = 0, defaultSchedule: Bool = false) throws {
        let retraining = defaultSchedule ? "retraining: { epochs: \(epochs) }" : """
            retraining:
              enabled: true
              interval: 6h
              min_new_measurements: 5
              epochs: \(epochs)
              batch_size: 8
              holdout_share: 0.25
              promotion: { metric: mape, min_improvement: \(minImprovement), min_holdout: 1 }
            """
        let yaml = """
            store: { path: \(store) }
            models:
              directory: \(root)/models
              default_latency: \(root)/shipped/latency.safetensors
              default_accuracy: \(root)/shipped/accuracy.safetensors
            engine: { threads: 1 }
            platforms: [{ name: lab }]
            inboxes:
              - { name: nets, path: \(nets), platform: lab, batch_sizes: [1], accept: [onnx, json, measurements] }
            \(retraining)
            logging: { level: info }
            """
        try yaml.write(toFile: configFile, atomically: true, encoding: .utf8)
    }

    /// The version the running daemon serves lab's latency predictions with (0: the default model).
    var servingVersion: Int? {
        DaemonStatus.read(storePath: store)?.latencyModels.first { $0.platform == "lab" }?.version
    }

    /// lab's model versions in the store.
    func models() throws -> [ModelRecord] {
        let store = try NarformerStore(path: self.store, readOnly: true)
        return try store.read { try $0.models(platform: "lab") }
    }

    /// Log lines (the log is appended to across restarts) that contain all of `words`.
    func logLines(_ words: String...) -> Int {
        log.split(separator: "\n").filter { line in words.allSatisfy { line.contains($0) } }.count
    }

    /// Drops a network and returns the model version its prediction was made with.
    func predictedVersion(_ network: MeasuredFile, file path: StaticString = #filePath,
                          line: UInt = #line) async throws -> Int? {
        let filed = names(nets, "done").count + names(nets, "failed").count
        try drop(Data(contentsOf: network.file), as: network.name, into: nets)
        let satisfied = await waitUntilFiled(filed + 1, in: nets, timeout: .seconds(30))
        XCTAssertTrue(satisfied, log, file: path, line: line)
        XCTAssertEqual(names(nets, "failed"), [], errorNote(network.name, in: nets), file: path, line: line)
        let predictions = try result(network.name, in: nets)["predictions"] as? [[String: Any]]
        return predictions?.first?["model_version"] as? Int
    }

    /// Without the daemon: imports `files` as a latency list of lab, retrains lab here
    /// (the config's epochs) and promotes v1 by hand if the retrain rejected it. Returns
    /// the active v1.
    func prepareActiveV1(_ files: [MeasuredFile], file path: StaticString = #filePath,
                         line: UInt = #line) throws -> ModelRecord {
        let list = root + "/lab-latencies.txt"
        try MeasuredFile.latencyList(files).write(toFile: list, atomically: true, encoding: .utf8)
        let imported = try command(["import", list, "--platform", "lab", "--config", configFile])
        XCTAssertEqual(imported.status, 0, imported.output, file: path, line: line)
        XCTAssertTrue(imported.output.contains("\(files.count) new"), imported.output, file: path, line: line)
        let retrain = try command(["retrain", "--platform", "lab", "--here", "--config", configFile])
        XCTAssertEqual(retrain.status, 0, retrain.output, file: path, line: line)
        XCTAssertTrue(retrain.output.contains("promoted v1") || retrain.output.contains("rejected v1"), retrain.output,
                      file: path, line: line)
        if retrain.output.contains("rejected v1") {
            let promote = try command(["models", "promote", "v1", "--platform", "lab", "--config", configFile])
            XCTAssertEqual(promote.status, 0, promote.output, file: path, line: line)
        }
        let records = try models()
        XCTAssertEqual(records.map(\.version), [1], file: path, line: line)
        return try XCTUnwrap(records.first { $0.state == .active && $0.version == 1 }, file: path, line: line)
    }
}
