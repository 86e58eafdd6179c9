import Config
import Engine
import Foundation
import Inbox
import Learning
import Store

/// Measures whether a retrain slows predictions: the time to predict one cell with the
/// registry and store the prediction (the drop path minus import and filing), idle and
/// while a retrain runs at its nice value.
package struct RetrainLoadProbe {
    package struct Result: Sendable {
        package var idleP50: Double
        package var idleP99: Double
        package var busyP50: Double
        package var busyP99: Double
        package var busySamples: Int
        package var retrain: String
    }

    package var cells = 300
    package var samples = 300
    package var nice = 10
    package var epochs = 20

    package init(cells: Int = 300, samples: Int = 300, nice: Int = 10, epochs: Int = 20) {
        self.cells = cells
        self.samples = samples
        self.nice = nice
        self.epochs = epochs
    }

    package func run(workDirectory: URL) async throws -> Result {
        let root = workDirectory.appendingPathComponent("retrain-load-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        for folder in ["models", "inbox/done", "inbox/.work"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let store = try NarformerStore(path: root.appendingPathComponent("store").path)
        let tokens = MeasuredTokenStore(store: store)
        let inbox = InboxDescriptor(name: "probe", path: root.appendingPathComponent("inbox").path, platform: "probe",
                                    batchSizes: [1])
        let intake = MeasurementDropProcessor(store: store, platforms: ["probe"], measurementTimeouts: [:], tokens: tokens)
        var graphs: [TokenGraph] = []
        var yaml = "measurements:\n"
        for i in 0..<cells {
            var code = (i * 7919) % 15625
            var ops: [Int] = []
            for _ in 0..<6 { ops.append(code % 5); code /= 5 }
            let names = NB201Cell.operations
            let arch = "|\(names[ops[0]])~0|+|\(names[ops[1]])~0|\(names[ops[2]])~1|+|\(names[ops[3]])~0|\(names[ops[4]])~1|\(names[ops[5]])~2|"
            graphs.append(try NB201Cell(arch: arch).tokenGraph())
            yaml += "  - cell: \"\(arch)\"\n    batch_size: 1\n    latency_ms: \(1 + Double(ops.filter { $0 == 3 }.count))\n"
        }
        let drop = ClaimedDrop(inbox: inbox, originalName: DropName("probe.yaml"), claimedPath: inbox.path + "/.work/probe.yaml",
                               kind: "yaml", contents: Data(yaml.utf8), identity: FileIdentity(stat()), claimedAt: Date(),
                               retries: 0)
        guard case .done = intake.process(drop) else { throw Retrainer.Failure(description: "probe measurements not stored") }
        let settings = RetrainSettings(
            retraining: RetrainingConfig(epochs: epochs, batchSize: 16, holdoutShare: 0.2, initialWeights: .scratch, nice: nice),
            modelsDirectory: root.appendingPathComponent("models").path)
        let registry = ModelRegistry()
        let retrainer = Retrainer(store: store, settings: settings, tokens: tokens, registry: registry)
        // v1 serves; the measured retrain is the second, paper-sized one.
        _ = try await Retrainer(store: store, settings: RetrainSettings(
            retraining: RetrainingConfig(epochs: 1, holdoutShare: 0.2, initialWeights: .scratch),
            modelsDirectory: settings.modelsDirectory), tokens: tokens, registry: registry).retrain(platform: "probe")

        func predictOnce(_ i: Int) async throws -> Double {
            let start = ContinuousClock.now
            guard let answer = try await registry.predictLatency(platform: "probe", graphs: [graphs[i % graphs.count]]) else {
                throw Retrainer.Failure(description: "no model")
            }
            let (version, values) = (answer.version, answer.values)
            try store.write { writer in
                try writer.putPrediction(Prediction(graphHash: String(format: "%064x", i), platform: "probe", batchSize: 1,
                                                    modelVersion: version, kind: .latencyMs, value: Double(values[0])))
            }
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15
        }
        var idle: [Double] = []
        for i in 0..<samples {
            idle.append(try await predictOnce(i))
            try await Task.sleep(for: .milliseconds(5))
        }
        let retrainTask = Task { try await retrainer.retrain(platform: "probe") }
        try await Task.sleep(for: .milliseconds(500))
        var busy: [Double] = []
        var i = 0
        while i < samples * 10 {
            busy.append(try await predictOnce(i))
            i += 1
            if busy.count >= samples { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        let report = try await retrainTask.value
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
        }
        return Result(idleP50: percentile(idle, 0.5), idleP99: percentile(idle, 0.99), busyP50: percentile(busy, 0.5),
                      busyP99: percentile(busy, 0.99), busySamples: busy.count, retrain: report.summary)
    }
}
