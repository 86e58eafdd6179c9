import Config
import Engine
import Foundation
import Store

/// The learning curve of a new platform through the daemon's own path: a cell model
/// pretrained on the other devices is the platform's default model; the device's measured
/// cells arrive as measurement drops of `dropSize` (MeasurementDropProcessor), and after
/// each drop the platform is retrained (Retrainer, promotion gate included).
struct LearningCurveExperiment {
    struct Point: Sendable, Codable {
        var measurements: Int
        var decision: String
        var version: Int?
        /// Holdout MAPE (percent) of the model active after this retrain.
        var activeMAPE: Double
        var activeRho: Double
        var holdout: Int
    }

    let fewShot: FewShotExperiment
    var dropSize = 50
    var drops = 8
    var epochs = 30

    func run(device: String, workDirectory: URL) async throws -> [Point] {
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
        let tokenStore = MeasuredTokenStore(storePath: store.path)
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
            let decision: String
            switch report.decision {
            case .promoted: decision = "promoted"
            case .rejected: decision = "rejected"
            case .skipped(let reason): decision = "skipped: " + reason
            }
            points.append(Point(measurements: (drop + 1) * dropSize, decision: decision, version: report.version,
                                activeMAPE: active["mape"] ?? .nan, activeRho: active["spearman"] ?? .nan,
                                holdout: report.holdoutSize))
        }
        return points
    }

    /// A minimal SVG line chart of holdout MAPE against measurements.
    static func svg(_ points: [Point], device: String) -> String {
        let width = 560.0, height = 320.0, left = 60.0, bottom = 40.0, top = 30.0, right = 20.0
        let finite = points.filter { $0.activeMAPE.isFinite }
        let maxX = Double(finite.map(\.measurements).max() ?? 1)
        let maxY = max(10, (finite.map(\.activeMAPE).max() ?? 10) * 1.1)
        func x(_ value: Double) -> Double { left + value / maxX * (width - left - right) }
        func y(_ value: Double) -> Double { height - bottom - value / maxY * (height - top - bottom) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"\(left)\" y=\"18\">Holdout MAPE of the active model, new platform \(device)</text>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(y(0))\" x2=\"\(width - right)\" y2=\"\(y(0))\" stroke=\"black\"/>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(y(0))\" x2=\"\(left)\" y2=\"\(top)\" stroke=\"black\"/>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(y(10))\" x2=\"\(width - right)\" y2=\"\(y(10))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n"
        svg += "<text x=\"\(width - right - 30)\" y=\"\(y(10) - 4)\" fill=\"#666\">10%</text>\n"
        for tick in stride(from: 0.0, through: maxY, by: maxY > 50 ? 20 : 5) {
            svg += "<text x=\"\(left - 8)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\">\(Int(tick))%</text>\n"
        }
        for point in finite {
            svg += "<text x=\"\(x(Double(point.measurements)))\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\">\(point.measurements)</text>\n"
        }
        svg += "<text x=\"\((width + left) / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\">measurements received</text>\n"
        let path = finite.map { "\(x(Double($0.measurements))),\(y($0.activeMAPE))" }.joined(separator: " ")
        svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"\(path)\"/>\n"
        for point in finite {
            svg += "<circle cx=\"\(x(Double(point.measurements)))\" cy=\"\(y(point.activeMAPE))\" r=\"3\" fill=\"\(point.decision == "promoted" ? "#1f77b4" : "#d62728")\"/>\n"
        }
        return svg + "</svg>\n"
    }
}
