import Config
import Engine
import Foundation
import Inbox
import Learning
import Store

/// A NAS-Bench-201 device brought to narformer as a new platform, through the daemon's own
/// path: a fresh store, an inbox for the platform, measured cells arriving as `.yaml`
/// measurement drops (`cell:` records) that `MeasurementDropProcessor` stores, and
/// `Retrainer.retrain` with the default `retraining:` settings, the platform starting from
/// the shipped whole-network default model (which cannot read a cell). Only the cell priors
/// are given, so that a device can be left out of its own.
package final class NewCellPlatform {
    package let device: String
    package let root: URL
    let store: NarformerStore
    let intake: MeasurementDropProcessor
    let inbox: InboxDescriptor
    package let retrainer: Retrainer
    private var drops = 0

    package init(device: String, root: URL, priors: CellPriors,
                 retraining: RetrainingConfig = RetrainingConfig()) throws {
        self.device = device
        self.root = root
        let fm = FileManager.default
        try? fm.removeItem(at: root)
        for folder in ["models", "inbox/done", "inbox/failed", "inbox/.work"] {
            try fm.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        store = try NarformerStore(path: root.appendingPathComponent("store").path)
        let tokens = MeasuredTokenStore(store: store)
        inbox = InboxDescriptor(name: device, path: root.appendingPathComponent("inbox").path, platform: device,
                                batchSizes: [1])
        intake = MeasurementDropProcessor(store: store, platforms: [device], measurementTimeouts: [:], tokens: tokens)
        // The settings a config gives (`RetrainSettings(config:)`), with the priors replaced.
        let config = NarformerConfig(store: StoreConfig(path: root.appendingPathComponent("store").path),
                                     models: ModelsConfig(directory: root.appendingPathComponent("models").path),
                                     platforms: [PlatformConfig(name: device)], retraining: retraining)
        var settings = RetrainSettings(config: config)
        settings.cellPriors = { priors }
        retrainer = Retrainer(store: store, settings: settings, tokens: tokens, registry: nil)
    }

    /// Drops `cells` (arch string, ms) as one measurement file; throws unless all were stored.
    package func measure(_ cells: [(arch: String, latencyMs: Double)]) throws {
        let yaml = "measurements:\n" + cells.map { cell in
            "  - cell: \"\(cell.arch)\"\n    batch_size: 1\n    latency_ms: \(cell.latencyMs)\n"
        }.joined()
        let name = "drop\(drops).yaml"
        drops += 1
        let claimed = ClaimedDrop(inbox: inbox, originalName: DropName(name), claimedPath: inbox.path + "/.work/" + name,
                                  kind: "yaml", contents: Data(yaml.utf8), identity: FileIdentity(stat()),
                                  claimedAt: Date(), retries: 0)
        let outcome = intake.process(claimed)
        guard case .done = outcome else {
            throw Retrainer.Failure(description: "measurement drop \(name) of \(device) was not stored: \(outcome)")
        }
    }

    package func retrain() async throws -> RetrainReport {
        try await retrainer.retrain(platform: device)
    }

    /// The platform's active model (nil while none was promoted).
    package func activeModel() throws -> TrainedModel? {
        guard let record = try store.read({ try $0.activeModel(platform: device) }) else { return nil }
        return try TrainedModel.load(from: URL(fileURLWithPath: record.weightsPath))
    }

    /// The active model's metrics on `cells` (arch string, ms); nil while no model is active.
    package func score(_ cells: [(arch: String, latencyMs: Double)]) throws -> EvaluationMetrics? {
        guard let model = try activeModel() else { return nil }
        let graphs = try cells.map { try NB201Cell(arch: $0.arch).tokenGraph() }
        return EvaluationMetrics(predicted: try model.predictValues(graphs), measured: cells.map(\.latencyMs))
    }

    package func remove() { try? FileManager.default.removeItem(at: root) }
}
