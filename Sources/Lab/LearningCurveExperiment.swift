import Config
import Engine
import Foundation
import Inbox
import Learning
import Store

/// The learning curve of a new platform through the daemon's own path: a cell model
/// pretrained on the other devices is the platform's default model; the device's measured
/// cells arrive as measurement drops of `dropSize` (MeasurementDropProcessor), and after
/// each drop the platform is retrained (Retrainer, promotion gate included).
package struct LearningCurveExperiment {
    package struct Point: Sendable, Codable {
        package var measurements: Int
        package var decision: String
        package var version: Int?
        /// Holdout MAPE (percent) of the model active after this retrain.
        package var activeMAPE: Double
        package var activeRho: Double
        package var holdout: Int
    }

    package let fewShot: FewShotExperiment
    package var dropSize = 50
    package var drops = 8
    package var epochs = 30

    package init(fewShot: FewShotExperiment, dropSize: Int = 50, drops: Int = 8, epochs: Int = 30) {
        self.fewShot = fewShot
        self.dropSize = dropSize
        self.drops = drops
        self.epochs = epochs
    }

    package func run(device: String, workDirectory: URL) async throws -> [Point] {
        let tokens = try fewShot.cellTokens()
        let base = try fewShot.pretrain(excluding: device, tokens: tokens)
        let fm = FileManager.default
        let root = workDirectory.appendingPathComponent("curve-\(device)")
        try? fm.removeItem(at: root)
        for folder in ["models", "inbox/done", "inbox/.work"] {
            try fm.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let defaultURL = root.appendingPathComponent("models/default.safetensors")
        try Checkpoint.save(base, to: defaultURL, metadata: CheckpointMetadata(
            tokenEncoding: "nb201-cell-128", platform: "others-than-\(device)", trainingDataDigest: ""))
        let store = try NarformerStore(path: root.appendingPathComponent("store").path)
        let tokenStore = MeasuredTokenStore(store: store)
        let inbox = InboxDescriptor(name: "curve", path: root.appendingPathComponent("inbox").path, platform: device,
                                    batchSizes: [1])
        let intake = MeasurementDropProcessor(store: store, platforms: [device], measurementTimeouts: [:],
                                              tokens: tokenStore)
        let settings = RetrainSettings(
            retraining: RetrainingConfig(minNewMeasurements: 1, epochs: epochs, batchSize: 16, learningRate: 1e-3,
                                         holdoutShare: 0.2, initialWeights: .activeModel, nice: 0),
            modelsDirectory: root.appendingPathComponent("models").path,
            defaultCheckpoint: { _ in defaultURL }, scratchConfig: { _ in fewShot.settings.model })
        let retrainer = Retrainer(store: store, settings: settings, tokens: tokenStore, registry: nil)
        guard let values = fewShot.devices[device] else { throw Retrainer.Failure(description: "no device \(device)") }
        let order = fewShot.shuffledPool().dropFirst(fewShot.settings.pretrainCells).filter { values[$0] != nil }
        var points: [Point] = []
        for drop in 0..<drops {
            let cells = order.dropFirst(drop * dropSize).prefix(dropSize)
            guard !cells.isEmpty else { break }
            let yaml = "measurements:\n" + cells.compactMap { index -> String? in
                guard let arch = fewShot.archs[index], let latency = values[index] else { return nil }
                return "  - cell: \"\(arch)\"\n    batch_size: 1\n    latency_ms: \(latency)\n"
            }.joined()
            let claimed = ClaimedDrop(inbox: inbox, originalName: DropName("drop\(drop).yaml"),
                                      claimedPath: inbox.path + "/.work/drop\(drop).yaml", kind: "yaml",
                                      contents: Data(yaml.utf8), identity: FileIdentity(stat()), claimedAt: Date(),
                                      retries: 0)
            guard case .done = intake.process(claimed) else {
                throw Retrainer.Failure(description: "drop \(drop) was not stored")
            }
            let report = try await retrainer.retrain(platform: device)
            let promoted = report.decision == .promoted
            let active = promoted ? report.candidateMetrics : report.comparedMetrics
            points.append(Point(measurements: (drop + 1) * dropSize, decision: report.decision.description, version: report.version,
                                activeMAPE: active["mape"] ?? .nan, activeRho: active["spearman"] ?? .nan,
                                holdout: report.holdoutSize))
        }
        return points
    }

    /// Holdout MAPE of the active model against measurements received.
    package static func svg(_ points: [Point], device: String) -> String {
        LearningCurveChart(title: "Holdout MAPE of the active model, new platform \(device)", series: [
            .init(label: device, color: LearningCurveChart.palette[0],
                  points: points.map { (Double($0.measurements), $0.activeMAPE) }),
        ]).svg()
    }
}
