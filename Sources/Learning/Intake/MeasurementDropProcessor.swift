import Config
import Engine
import Foundation
import Inbox
import Store

/// Stores the measurements of `.yaml`/`.yml` drops (format: docs/measurements.md).
///
/// A file is all or nothing: its records are stored in one store transaction once every
/// network it names is known, so a retried file never leaves half its records behind.
/// Order of arrival does not matter: a record naming a network that has not arrived yet
/// holds the file in `.work/` (`.retryLater`) until the inbox's measurement timeout,
/// counted from when the file was first claimed, then fails it with the names missing.
/// Storing is idempotent: a measurement's store id is derived from its content, so
/// identical records of one file are one measurement (the note marks the repeats).
///
/// With a model registry, the result note carries the serving model's prediction for each
/// measured network and its relative error (`MeasurementPredictions`); predictions made
/// for it are stored with the measurements.
package struct MeasurementDropProcessor: MeasurementIntake {
    package let store: NarformerStore
    /// Platform names of the config.
    package let platforms: Set<String>
    /// Each inbox's measurement timeout by inbox name; inboxes not listed use the default.
    package let measurementTimeouts: [String: Duration]
    /// Each inbox's accepted measurement platforms by inbox name (its own platform and its
    /// `measurement_platforms`); an inbox not listed takes its own platform only.
    package let measurementPlatforms: [String: Set<String>]
    package let tokens: MeasuredTokenStore
    /// The record cap of a file, and the node cap and time budget of each network it names.
    package let limits: LimitsConfig
    /// The models the measured networks are compared with; nil: no comparison.
    package let registry: ModelRegistry?
    /// Graphs per registry call when comparing (`engine.batch_size`).
    package let predictionChunk: Int
    package let now: @Sendable () -> Date

    package init(store: NarformerStore, platforms: Set<String>, measurementTimeouts: [String: Duration],
                 measurementPlatforms: [String: Set<String>] = [:],
                 tokens: MeasuredTokenStore, limits: LimitsConfig = LimitsConfig(),
                 registry: ModelRegistry? = nil, predictionChunk: Int = EngineConfig.defaultBatchSize,
                 now: @escaping @Sendable () -> Date = { Date() }) {
        self.registry = registry
        self.predictionChunk = predictionChunk
        self.store = store
        self.platforms = platforms
        self.measurementTimeouts = measurementTimeouts
        self.measurementPlatforms = measurementPlatforms
        self.tokens = tokens
        self.limits = limits
        self.now = now
    }

    /// The daemon's call: each drop stored, compared with the serving models when there is
    /// a registry.
    package func process(_ drops: [ClaimedDrop]) async -> [DropOutcome] {
        var outcomes: [DropOutcome] = []
        for drop in drops {
            switch prepare(drop) {
            case .decided(let outcome):
                outcomes.append(outcome)
            case .ready(let ready):
                var predictions: MeasurementPredictions.Outcome?
                if let registry {
                    let progress = drop.progress
                    predictions = await MeasurementPredictions(registry: registry, store: store, tokens: tokens,
                                                               chunkSize: predictionChunk)
                        .predict(ready.predictionRequests, beat: { progress?.beat() })
                }
                outcomes.append(store(ready, predictions: predictions, drop: drop))
            }
        }
        return outcomes
    }

    /// One drop stored without comparing it with any model (what the lab's experiments
    /// feed a store with).
    package func process(_ drop: ClaimedDrop) -> DropOutcome {
        switch prepare(drop) {
        case .decided(let outcome): return outcome
        case .ready(let ready): return store(ready, predictions: nil, drop: drop)
        }
    }

    /// A network resolved to what the store and the trainer need.
    private struct ResolvedNetwork {
        package var hash: String
        /// nil when the graph is already stored and need not be put again.
        package var record: GraphRecord?
        /// The imported network whose tokens are saved; nil when none need or can be made
        /// (a hash whose tokens are saved, or whose file is gone: stored, not trainable).
        package var network: ImportedNetwork?
        package var isCell: Bool
    }

    /// A drop whose every record is resolved, ready to be stored.
    private struct Ready {
        var entries: [MeasurementEntry]
        var networks: [ResolvedNetwork]

        var predictionRequests: [MeasurementPredictions.Request] {
            zip(entries, networks).map { entry, network in
                MeasurementPredictions.Request(
                    target: .init(graphHash: network.hash, platform: entry.platform, batchSize: entry.batchSize),
                    network: network.network, isCell: network.isCell)
            }
        }
    }

    private enum Preparation {
        /// Failed, or held for later: nothing to store now.
        case decided(DropOutcome)
        case ready(Ready)
    }

    private func prepare(_ drop: ClaimedDrop) -> Preparation {
        let file = drop.originalName.description
        let entries: [MeasurementEntry]
        do {
            entries = try MeasurementFileParser.parse(drop.contents, file: file, platforms: platforms,
                                                      defaultPlatform: drop.inbox.platform,
                                                      maxRecords: limits.measurementRecords)
        } catch {
            return .decided(.failed(reason: error.description))
        }
        let accepted = measurementPlatforms[drop.inbox.name] ?? [drop.inbox.platform]
        if let foreign = entries.first(where: { !accepted.contains($0.platform) }) {
            return .decided(.failed(reason: "\(file):\(foreign.line): platform: inbox \(drop.inbox.name) takes measurements of "
                + accepted.sorted().joined(separator: ", ") + " only, not of '\(foreign.platform)'; drop the file into "
                + "an inbox of \(foreign.platform), or list it under measurement_platforms of this inbox"))
        }
        // The pipeline's own descriptors; a drop made up elsewhere (tests, the lab) opens
        // the inbox afresh, through the same checks.
        let locator = InboxNetworkLocator(folders: drop.folders ?? InboxFolders(path: drop.inbox.path))
        var resolved: [ResolvedNetwork] = []
        var missing: [String] = []
        // Each network (file and batch size, or cell) is read and imported once per file,
        // however many records name it.
        var imports: [String: ResolvedNetwork] = [:]
        let progress = drop.progress
        let budget = ImportBudget(maxNodes: limits.networkNodes, timeLimit: limits.importTime,
                                  progress: { progress?.beat() })
        for entry in entries {
            do {
                switch try resolve(entry, file: file, locator: locator, budget: budget, imports: &imports) {
                case .resolved(let network): resolved.append(network)
                case .waiting(let reason):
                    missing.append("\(describe(entry.network)) (line \(entry.line)\(reason.map { "; \($0)" } ?? ""))")
                }
            } catch let problem as MeasurementFileError {
                return .decided(.failed(reason: problem.description))
            } catch {
                return .decided(.failed(reason: "\(file): \(error)"))
            }
        }
        if !missing.isEmpty {
            let timeout = measurementTimeouts[drop.inbox.name] ?? InboxConfig.defaultMeasurementTimeout
            let waited = now().timeIntervalSince(drop.claimedAt)
            let list = missing.joined(separator: ", ")
            if waited >= Self.seconds(timeout) {
                return .decided(.failed(reason: "\(file): the network(s) \(list) did not arrive within \(Self.describe(timeout)); "
                               + "drop the network files into this inbox, then drop this file again"))
            }
            return .decided(.retryLater(reason: "waiting for \(list)", delay: Self.retryDelay(after: drop.retries)))
        }
        return .ready(Ready(entries: entries, networks: resolved))
    }

    private func store(_ ready: Ready, predictions: MeasurementPredictions.Outcome?, drop: ClaimedDrop) -> DropOutcome {
        let (entries, networks) = (ready.entries, ready.networks)
        let file = drop.originalName.description
        let storedAt = now()
        let measurements = zip(entries, networks).map { entry, network in
            LatencyMeasurement(graphHash: network.hash, platform: entry.platform, batchSize: entry.batchSize,
                               latencyMs: entry.latencyMs, source: entry.device ?? "inbox \(drop.inbox.name)",
                               measuredAt: entry.measuredAt ?? Date(timeIntervalSince1970: 0), storedAt: storedAt,
                               file: file)
        }
        // Identical records (same network, platform, batch size, latency, source and time)
        // are one measurement: stored once, counted once for training, the repeats named.
        var firstLine: [String: Int] = [:]
        let repeatOf: [Int?] = zip(entries, measurements).map { entry, measurement in
            if let line = firstLine[measurement.id] { return line }
            firstLine[measurement.id] = entry.line
            return nil
        }
        let newPredictions: [Prediction] = predictions.map { outcome in
            outcome.answers.values.compactMap { answer in
                if case .predicted(let prediction, isNew: true) = answer { return prediction }
                return nil
            }
        } ?? []
        do {
            // The tokens go in the measurements' transaction: a measurement in the store
            // without its tokens would be skipped by a retrain that starts in between.
            let tokenRecords = try tokens.missingRecords(of: zip(entries, networks).compactMap { entry, network in
                network.network.map { ($0, entry.batchSize) }
            })
            let trainable = try zip(entries, networks).map { entry, network in
                try network.network != nil || tokens.contains(graphHash: network.hash, batchSize: entry.batchSize)
            }
            let isNew = try store.write { writer in
                for record in tokenRecords { try writer.putTokens(record) }
                for network in networks {
                    if let record = network.record { _ = try writer.putGraph(record) }
                }
                // A prediction stored meanwhile (a drop of the same network) stays as it is.
                for prediction in newPredictions {
                    let stored = try writer.prediction(graphHash: prediction.graphHash, platform: prediction.platform,
                                                       batchSize: prediction.batchSize, modelVersion: prediction.modelVersion,
                                                       kind: prediction.kind)
                    if stored == nil { try writer.putPrediction(prediction) }
                }
                return try zip(measurements, repeatOf).map { measurement, repeated in
                    repeated == nil ? try writer.putMeasurement(measurement) : false
                }
            }
            let records = zip(entries.indices, measurements).map { index, measurement in
                RecordNote(entry: entries[index], measurement: measurement, isNew: isNew[index], repeatOf: repeatOf[index],
                           trainable: trainable[index],
                           answer: predictions?.answers[MeasurementPredictions.Target(
                               graphHash: measurement.graphHash, platform: measurement.platform,
                               batchSize: measurement.batchSize)])
            }
            return .done(resultJSON: resultJSON(file: file, drop: drop, records: records, predictions: predictions), hash: nil)
        } catch {
            // The store or the disk failed, not the file: try again later.
            return .retryLater(reason: "cannot store the measurements: \(error)", delay: Self.retryDelay(after: drop.retries))
        }
    }

    private enum Resolution {
        case resolved(ResolvedNetwork)
        /// Not there yet; the reason says more when the file is there but unreadable now.
        case waiting(String?)
    }

    private func resolve(_ entry: MeasurementEntry, file: String, locator: InboxNetworkLocator, budget: ImportBudget,
                         imports: inout [String: ResolvedNetwork]) throws -> Resolution {
        func fail(_ problem: String) -> MeasurementFileError {
            MeasurementFileError(file: file, line: entry.line, field: nil, problem: problem)
        }
        switch entry.network {
        case .file(let name):
            let key = "file\u{0}\(name)\u{0}\(entry.batchSize)"
            if let cached = imports[key] { return .resolved(cached) }
            switch locator.locate(name) {
            case .notYet(let reason):
                return .waiting(reason)
            case .refused(let reason):
                throw fail(reason)
            case .found(let network):
                // Imported from the bytes that were checked, never from the path again.
                let imported: ImportedNetwork
                do {
                    imported = try NetworkImporter.importData(network.contents, format: network.format,
                                                              name: network.storedName, batchSize: entry.batchSize,
                                                              budget: budget)
                } catch {
                    throw fail("the network '\(name)' (\(network.location)) cannot be imported: \(error)")
                }
                let resolved = ResolvedNetwork(hash: imported.contentHash,
                                               record: graphRecord(imported, sourceFileName: name), network: imported,
                                               isCell: Self.isCell(imported))
                imports[key] = resolved
                return .resolved(resolved)
            }
        case .cell(let arch):
            // A cell has no batch dimension: one import serves every record naming it.
            let key = "cell\u{0}\(arch)"
            if let cached = imports[key] { return .resolved(cached) }
            let network: ImportedNetwork
            do {
                let json = try JSONSerialization.data(withJSONObject: ["format": "narformer-graph", "version": 1, "cell": arch] as [String: Any])
                network = try NetworkImporter.importData(json, format: .graphJSON, name: "cell", budget: budget)
            } catch {
                throw fail("cell '\(arch)' is not a NAS-Bench-201 arch: \(error)")
            }
            let resolved = ResolvedNetwork(hash: network.contentHash, record: graphRecord(network, sourceFileName: arch),
                                           network: network, isCell: true)
            imports[key] = resolved
            return .resolved(resolved)
        case .hash(let hash):
            // Repeated runs of one network import its file once per drop.
            let key = "hash\u{0}\(hash)\u{0}\(entry.batchSize)"
            if let cached = imports[key] { return .resolved(cached) }
            guard let record = try store.read({ try $0.graph(hash: hash) }) else { return .waiting(nil) }
            let isCell = record.kind == .cell
            // A dropped network's tokens are stored in the encoding of the model that predicted
            // it only; a retrain may start from a prior that reads another (the OpenVINO model
            // reads `costs3`), so every encoding is wanted before the file can be done without.
            var resolved = ResolvedNetwork(hash: hash, record: nil, network: nil, isCell: isCell)
            let complete = try tokens.containsEvery(graphHash: hash, batchSize: entry.batchSize,
                                                    encodings: ModelTokens.storedEncodings(ofCell: isCell))
            // Tokens at this batch size need the file; the one the graph was first stored
            // from is often still in done/. Without it, the tokens stored so far are what
            // a retrain gets.
            if !complete, case .found(let file) = locator.locate(record.sourceFileName),
               let network = try? NetworkImporter.importData(file.contents, format: file.format, name: file.storedName,
                                                            batchSize: entry.batchSize, budget: budget),
               network.contentHash == hash {
                resolved.network = network
            }
            imports[key] = resolved
            return .resolved(resolved)
        }
    }

    private static func isCell(_ network: ImportedNetwork) -> Bool {
        if case .cell = network.kind { return true }
        return false
    }

    private func graphRecord(_ network: ImportedNetwork, sourceFileName: String) -> GraphRecord {
        GraphRecord(hash: network.contentHash, graph: network.canonicalData(), sourceFileName: sourceFileName,
                    firstSeen: now(), nodeCount: network.graph.nodes.count, kind: Self.isCell(network) ? .cell : .network)
    }

    /// What the result note says of one record.
    private struct RecordNote {
        var entry: MeasurementEntry
        var measurement: LatencyMeasurement
        var isNew: Bool
        /// The line of the identical record this one repeats.
        var repeatOf: Int?
        var trainable: Bool
        /// nil when the drop was not compared with a model.
        var answer: MeasurementPredictions.Answer?

        var json: [String: Any] {
            var object: [String: Any] = [
                "line": entry.line,
                "id": measurement.id,
                "graph_hash": measurement.graphHash,
                "platform": measurement.platform,
                "batch_size": measurement.batchSize,
                "latency_ms": measurement.latencyMs,
                "stored": repeatOf.map { "repeat of line \($0)" } ?? (isNew ? "new" : "already stored"),
                "trainable": trainable,
            ]
            switch answer {
            case .predicted(let prediction, _):
                object["predicted_latency_ms"] = prediction.value
                object["model_version"] = prediction.modelVersion
                object["relative_error"] = measurement.relativeError(of: prediction.value)
            case .unpredicted(let reason):
                object["no_prediction"] = reason
            case nil:
                break
            }
            return object
        }
    }

    private func resultJSON(file: String, drop: ClaimedDrop, records: [RecordNote],
                            predictions: MeasurementPredictions.Outcome?) -> Data {
        var object: [String: Any] = [
            "file": file,
            "inbox": drop.inbox.name,
            "kind": "measurements",
            "new": records.filter { $0.repeatOf == nil && $0.isNew }.count,
            "already_stored": records.filter { $0.repeatOf == nil && !$0.isNew }.count,
            "repeats": records.filter { $0.repeatOf != nil }.count,
            "measurements": records.map(\.json),
        ]
        if let predictions {
            // The drop's error in one number, each measurement counted once.
            let errors = records.compactMap { record -> Double? in
                guard record.repeatOf == nil, case .predicted(let prediction, _) = record.answer else { return nil }
                return abs(record.measurement.relativeError(of: prediction.value))
            }
            object["compared"] = errors.count
            if !errors.isEmpty { object["mape"] = 100 * errors.reduce(0, +) / Double(errors.count) }
            object["notes"] = predictions.notes
        }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }

    private func describe(_ reference: MeasurementEntry.NetworkReference) -> String {
        switch reference {
        case .file(let name): return "'\(name)'"
        case .hash(let hash): return "graph \(hash)"
        case .cell(let arch): return "cell \(arch)"
        }
    }

    /// 2 s, 4 s, 8 s, ... at most a minute: quick when the network is a moment behind,
    /// cheap when it is days behind.
    package static func retryDelay(after retries: Int) -> Duration {
        .seconds(min(60, 2 << min(retries, 5)))
    }

    package static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }

    package static func describe(_ duration: Duration) -> String {
        let total = Int(seconds(duration))
        if total % 3600 == 0 { return "\(total / 3600) h" }
        if total % 60 == 0 { return "\(total / 60) min" }
        return "\(total) s"
    }
}
