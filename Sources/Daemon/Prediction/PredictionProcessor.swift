import Engine
import Foundation
import Inbox
import Learning
import Logging
import Store
import Synchronization

/// The daemon's `DropProcessor`: imports network drops, predicts them in packed engine
/// batches, stores graphs and predictions, and answers with the result JSON. Measurement
/// drops (`.yaml`, `.yml`) go to the `MeasurementIntake`.
///
/// Per call (one pipeline batch): every network is imported once per batch size of its
/// inbox; all graphs of one platform and batch size go to the registry in one actor call
/// (packed in engine batches of `engine.batch_size` graphs); everything the batch stores
/// is written in one store transaction. Storing is idempotent: a graph is keyed by its
/// content hash (the first record and its first-seen time stay), and a prediction that is
/// already there is left as it is, so a drop processed again after a crash adds nothing.
package final class PredictionProcessor: DropProcessor {
    private let store: NarformerStore
    private let registry: ModelRegistry
    private let intake: any MeasurementIntake
    private let inboxes: InboxSettingsTable
    private let engineBatch: Atomic<Int>
    private let logger: Logger

    package init(store: NarformerStore, registry: ModelRegistry, intake: any MeasurementIntake,
         inboxes: InboxSettingsTable, engineBatchSize: Int, logger: Logger) {
        self.store = store
        self.registry = registry
        self.intake = intake
        self.inboxes = inboxes
        self.engineBatch = Atomic(max(1, engineBatchSize))
        self.logger = logger
    }

    /// Imported nodes of a batch (all its networks and batch sizes) from which freed memory
    /// is handed back to the system before the prediction and after the batch.
    static let returnMemoryAfterNodes = 50_000

    /// Nodes of tokens from which an engine call is made before `engine.batch_size` graphs
    /// are gathered (the tokens of a 100k-node network are about 60 MB).
    static let chunkNodes = 100_000

    /// Nodes above which a predicted network's tokens are not stored: its prediction is then
    /// not redone after a promotion (counted as "without tokens"), and a batch of very large
    /// networks does not hold their encoded tokens as well as their activations.
    static let storedTokensNodeCap = 50_000

    /// Nodes up to which a network predicted for a platform served by another platform's
    /// model keeps its tokens in every encoding (about 3 MB each at this size), not only the
    /// served model's: a batch of large networks must not hold three copies.
    static let everyEncodingNodeCap = 5_000

    /// Most graphs per engine call (`engine.batch_size`; SIGHUP may change it).
    package var engineBatchSize: Int {
        get { engineBatch.load(ordering: .relaxed) }
        set { engineBatch.store(max(1, newValue), ordering: .relaxed) }
    }

    package func process(_ drops: [ClaimedDrop]) async -> [DropOutcome] {
        var outcomes = [DropOutcome?](repeating: nil, count: drops.count)
        var measurementDrops: [Int] = []
        var networks: [NetworkWork] = []
        for (index, drop) in drops.enumerated() {
            switch drop.kind {
            case "yaml", "yml":
                measurementDrops.append(index)
            case "onnx", "json":
                switch importNetwork(drop, index: index) {
                case .success(let work): networks.append(work)
                case .failure(let failure): outcomes[index] = .failed(reason: failure.reason)
                }
            default:
                outcomes[index] = .failed(reason: "narformer reads .onnx and .json network files and .yaml measurement files; "
                                          + "this file's name ends in '.\(drop.kind)'. Rename it if it is one of those.")
            }
        }
        if !measurementDrops.isEmpty {
            let answers = await intake.process(measurementDrops.map { drops[$0] })
            for (position, index) in measurementDrops.enumerated() {
                outcomes[index] = position < answers.count ? answers[position]
                    : .retryLater(reason: "the measurement intake gave no answer", delay: .seconds(1))
            }
        }
        if !networks.isEmpty {
            // glibc keeps freed heap for the next allocations. The import's passing
            // structures (the parsed file, shape tables) are freed by now, but the model's
            // activations are one large block mapped afresh, so without giving the freed
            // heap back the two would add up; after the batch, graphs and tokens are freed
            // and would stay resident, GBs after a big network. Done only for large
            // batches: a batch of small drops leaves little to give back.
            let nodes = networks.reduce(0) { $0 + $1.imports.reduce(0) { $0 + $1.network.graph.nodes.count } }
            let large = nodes >= Self.returnMemoryAfterNodes
            if large { FreedMemory.giveBack() }
            await predict(&networks)
            store(&networks)
            for work in networks { outcomes[work.index] = work.outcome() }
            networks = []
            if large { FreedMemory.giveBack() }
        }
        return outcomes.map { $0 ?? .retryLater(reason: "no outcome was decided", delay: .seconds(1)) }
    }

    /// Network drops are looked at before they are read whole: a large file that is not a
    /// network (zeros, an archive, text) fails on its first bytes, with the import's words.
    package func openingCheck(for drop: DropName) -> OpeningCheck? {
        let format: NetworkImporter.Format
        switch drop.fileExtension {
        case "onnx": format = .onnx
        case "json": format = .graphJSON
        default: return nil
        }
        let name = drop.description
        return OpeningCheck(bytes: NetworkImporter.openingBytes) { opening, fileBytes in
            NetworkImporter.openingProblem(opening, fileBytes: Int(fileBytes), format: format, name: name)
                .map { Self.importFailureReason($0) }
        }
    }

    /// The failure note of a drop that does not import.
    private static func importFailureReason(_ error: ImportError) -> String {
        "This file could not be read as a network. \(error.description)"
    }

    // MARK: - import

    private struct ImportFailure: Error {
        package var reason: String
    }

    private func importNetwork(_ drop: ClaimedDrop, index: Int) -> Result<NetworkWork, ImportFailure> {
        guard let settings = inboxes[drop.inbox.name] else {
            return .failure(ImportFailure(reason: "the inbox '\(drop.inbox.name)' is no longer in the configuration"))
        }
        let format: NetworkImporter.Format = drop.kind == "onnx" ? .onnx : .graphJSON
        let name = drop.originalName.description
        var imports: [(batchSize: Int, network: ImportedNetwork)] = []
        do {
            for batchSize in settings.batchSizes {
                if let first = imports.first, case .cell = first.network.kind {
                    // A cell has no batch dimension: one import serves every batch size.
                    imports.append((batchSize, first.network))
                    continue
                }
                imports.append((batchSize, try NetworkImporter.importData(drop.contents, format: format, name: name,
                                                                          batchSize: batchSize,
                                                                          budget: settings.importBudget(for: drop))))
            }
        } catch let error as ImportError {
            return .failure(ImportFailure(reason: Self.importFailureReason(error)))
        } catch {
            return .failure(ImportFailure(reason: "This file could not be read as a network: \(error)"))
        }
        return .success(NetworkWork(index: index, drop: drop, settings: settings, imports: imports))
    }

    // MARK: - prediction

    private func predict(_ networks: inout [NetworkWork]) async {
        let batch = engineBatchSize
        for platform in Set(networks.map(\.settings.platform)).sorted() {
            let onPlatform = networks.indices.filter { networks[$0].settings.platform == platform }
            guard let entry = await registry.latencyEntry(platform: platform) else {
                for i in onPlatform where !networks[i].isCell {
                    networks[i].failure = "There is no latency model for platform \(platform): the store has no active "
                        + "model for it and no default model was found. The file is fine; drop it again once a model "
                        + "is installed (see the daemon's log)."
                }
                for i in onPlatform where networks[i].isCell {
                    networks[i].notes.append("no latency: there is no latency model for platform \(platform)")
                }
                continue
            }
            // A store that cannot be read here fails the batch's write right after, so the
            // wording of the note matters little then.
            let uncalibrated = entry.uncalibratedNote(
                platform: platform, stage: (try? UncalibratedNote.stage(of: platform, in: store)) ?? .unmeasured)
            if let note = uncalibrated {
                for i in onPlatform where !networks[i].isCell { networks[i].notes.append(note) }
            }
            // A platform served by another platform's model will choose its prior among the
            // shipped models at its first retrain, and they read different encodings: its
            // networks keep every encoding, so that a measurement naming one by hash is
            // trainable from any prior even when its file has left done/.
            let everyEncoding = uncalibrated != nil
            let batchSizes = Set(onPlatform.flatMap { networks[$0].imports.map(\.batchSize) }).sorted()
            for batchSize in batchSizes {
                // Tokens are made chunk by chunk and let go after the engine call: a
                // batch of large networks never holds every network's tokens at once.
                var chunk: [(work: Int, graph: TokenGraph)] = []
                var chunkNodes = 0
                var copies = SameNetworkDrops()
                for i in onPlatform {
                    guard let network = networks[i].imports.first(where: { $0.batchSize == batchSize })?.network else { continue }
                    if copies.isCopy(i, of: network.contentHash) { continue }
                    let graph: TokenGraph
                    do { graph = try network.tokens(storedEncoding: entry.tokenEncoding) } catch {
                        let note = "no latency: \(error)"
                        if !networks[i].notes.contains(note) { networks[i].notes.append(note) }
                        continue
                    }
                    if let unreadable = entry.unreadable(graph, isCell: networks[i].isCell, platform: platform) {
                        let note = "no latency: " + unreadable
                        if !networks[i].notes.contains(note) { networks[i].notes.append(note) }
                        continue
                    }
                    chunk.append((i, graph))
                    chunkNodes += graph.nodeCount
                    if chunk.count >= batch || chunkNodes >= Self.chunkNodes {
                        await predictLatency(chunk, platform: platform, batchSize: batchSize, entry: entry,
                                             everyEncoding: everyEncoding, into: &networks)
                        chunk = []
                        chunkNodes = 0
                    }
                }
                if !chunk.isEmpty {
                    await predictLatency(chunk, platform: platform, batchSize: batchSize, entry: entry,
                                         everyEncoding: everyEncoding, into: &networks)
                }
                copies.share(into: &networks) { first, copy in
                    if let latency = first.latency.first(where: { $0.batchSize == batchSize }) {
                        copy.latency.append(latency)
                        copy.unreadableOps = first.unreadableOps
                    } else if let failure = first.failure {
                        copy.failure = failure
                    }
                }
            }
        }
        await predictAccuracy(&networks, batch: batch)
    }

    /// One packed engine call; when it fails, each graph alone, so one bad graph fails only
    /// its own drop.
    private func predictLatency(_ chunk: [(work: Int, graph: TokenGraph)], platform: String, batchSize: Int,
                                entry: ModelRegistry.Entry, everyEncoding: Bool,
                                into networks: inout [NetworkWork]) async {
        do {
            guard let answer = try await registry.predictLatency(platform: platform, graphs: chunk.map(\.graph)) else {
                for request in chunk { networks[request.work].failure = "The latency model of platform \(platform) was removed while this file was processed; drop it again." }
                return
            }
            for (position, request) in chunk.enumerated() {
                let network = networks[request.work].imports.first { $0.batchSize == batchSize }?.network
                let costs = network?.totals
                let unreadable = network?.opsWithoutToken(for: entry.tokens) ?? [:]
                networks[request.work].unreadableOps.merge(unreadable) { max($0, $1) }
                let novelty = answer.novelty?[position].adding(unknownOps: unreadable)
                if request.graph.nodeCount <= Self.storedTokensNodeCap {
                    let hash = networks[request.work].hash
                    networks[request.work].tokens.append(MeasuredTokenStore.record(
                    request.graph, key: MeasuredTokenStore.key(graphHash: hash, batchSize: batchSize, encoding: entry.tokens)))
                    if everyEncoding, request.graph.nodeCount <= Self.everyEncodingNodeCap, let network {
                        for encoding in network.storedEncodings where encoding != entry.tokens {
                            guard let graph = try? network.tokens(for: encoding) else { continue }
                            networks[request.work].tokens.append(MeasuredTokenStore.record(
                                graph, key: MeasuredTokenStore.key(graphHash: hash, batchSize: batchSize, encoding: encoding)))
                        }
                    }
                }
                networks[request.work].latency.append(
                    (batchSize, Prediction(graphHash: networks[request.work].hash, platform: platform, batchSize: batchSize,
                                           modelVersion: answer.version, kind: .latencyMs,
                                           value: Double(answer.values[position]),
                                           flops: costs?.flops, params: costs?.params,
                                           memoryAccess: costs?.memoryAccess,
                                           novelty: novelty?.score, noveltyReason: novelty?.reason)))
            }
        } catch where chunk.count > 1 {
            for request in chunk {
                await predictLatency([request], platform: platform, batchSize: batchSize, entry: entry,
                                     everyEncoding: everyEncoding, into: &networks)
            }
        } catch {
            networks[chunk[0].work].failure = "The latency model could not predict this network: \(error)"
        }
    }

    private func predictAccuracy(_ networks: inout [NetworkWork], batch: Int) async {
        let cells = networks.indices.filter { networks[$0].isCell && networks[$0].settings.cellAccuracy }
        guard !cells.isEmpty else { return }
        guard let entry = await registry.accuracyEntry else {
            for i in cells { networks[i].notes.append("no accuracy: no accuracy model is loaded") }
            return
        }
        var requests: [(work: Int, graph: TokenGraph)] = []
        var copies = SameNetworkDrops()
        for i in cells {
            guard let network = networks[i].imports.first?.network else { continue }
            if copies.isCopy(i, of: network.contentHash) { continue }
            // The cell tokens the model was trained on (the project's or the authors' encoding).
            guard let graph = try? network.tokens(storedEncoding: entry.tokenEncoding) else { continue }
            if graph.tokenDim == entry.inputWidth {
                requests.append((i, graph))
            } else {
                networks[i].notes.append("no accuracy: the accuracy model reads \(entry.inputWidth)-wide tokens, "
                                         + "this cell has \(graph.tokenDim)-wide ones")
            }
        }
        for start in stride(from: 0, to: requests.count, by: batch) {
            let chunk = Array(requests[start..<min(start + batch, requests.count)])
            do {
                guard let answer = try await registry.predictAccuracy(graphs: chunk.map(\.graph)) else { continue }
                for (position, request) in chunk.enumerated() {
                    let work = networks[request.work]
                    let novelty = answer.novelty?[position]
                    networks[request.work].accuracy = Prediction(
                        graphHash: work.hash, platform: work.settings.platform, batchSize: 1,
                        modelVersion: answer.version, kind: .accuracy, value: Double(answer.values[position]),
                        novelty: novelty?.score, noveltyReason: novelty?.reason)
                }
            } catch {
                for request in chunk { networks[request.work].notes.append("no accuracy: \(error)") }
            }
        }
        copies.share(into: &networks) { first, copy in copy.accuracy = first.accuracy }
    }

    // MARK: - store

    /// One write transaction for the whole batch; on failure every drop of it is held and
    /// retried (nothing was committed, so nothing is half-stored).
    private func store(_ networks: inout [NetworkWork]) {
        let storable = networks.indices.filter { networks[$0].failure == nil }
        guard !storable.isEmpty else { return }
        let snapshot = networks
        do {
            try store.write { writer in
                for i in storable {
                    let work = snapshot[i]
                    try writer.putGraph(work.graphRecord())
                    for record in work.tokens { _ = try writer.putTokens(record) }
                    for prediction in work.allPredictions {
                        let existing = try writer.prediction(
                            graphHash: prediction.graphHash, platform: prediction.platform, batchSize: prediction.batchSize,
                            modelVersion: prediction.modelVersion, kind: prediction.kind)
                        if existing == nil { try writer.putPrediction(prediction) }
                    }
                }
            }
        } catch {
            logger.error("the store could not be written; the batch will be retried", metadata: ["error": "\(error)"])
            for i in storable {
                let retries = networks[i].drop.retries
                networks[i].heldReason = "the store could not be written: \(error)"
                networks[i].heldDelay = .milliseconds(min(60_000, 500 << min(retries, 7)))
            }
        }
    }
}
