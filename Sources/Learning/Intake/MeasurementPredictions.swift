import Engine
import Foundation
import Store

/// The active model's prediction for each network a measurement drop measured, so that
/// its result note shows the lab how far the model is from its machine.
///
/// A prediction already stored for the serving version (the network was dropped for
/// prediction before) is taken as it is; the others are predicted in chunks of
/// `chunkSize` graphs, one registry call each, so the drop pipeline's other lanes are not
/// held behind one large file. Nothing here fails a drop: a network that cannot be
/// predicted gets the reason instead of a number.
struct MeasurementPredictions {
    let registry: ModelRegistry
    let store: NarformerStore
    let tokens: MeasuredTokenStore
    let chunkSize: Int

    struct Target: Hashable {
        var graphHash: String
        var platform: String
        var batchSize: Int
    }

    /// A network to compare: the imported network when the drop imported it (tokens and
    /// costs come from it), else its stored tokens are used.
    struct Request {
        var target: Target
        var network: ImportedNetwork?
        var isCell: Bool
    }

    enum Answer {
        /// `isNew`: made for this drop (stored with its measurements), not read from the store.
        case predicted(Prediction, isNew: Bool)
        case unpredicted(reason: String)
    }

    struct Outcome {
        var answers: [Target: Answer] = [:]
        /// One uncalibrated note per platform predicted with another platform's model.
        var notes: [String] = []
    }

    func predict(_ requests: [Request], beat: () -> Void) async -> Outcome {
        var outcome = Outcome()
        var unique: [Target: Request] = [:]
        for request in requests where unique[request.target] == nil { unique[request.target] = request }
        for platform in Set(unique.keys.map(\.platform)).sorted() {
            let onPlatform = unique.values.filter { $0.target.platform == platform }
                .sorted { ($0.target.graphHash, $0.target.batchSize) < ($1.target.graphHash, $1.target.batchSize) }
            guard let entry = await registry.latencyEntry(platform: platform) else {
                for request in onPlatform {
                    outcome.answers[request.target] = .unpredicted(reason: "there is no latency model for platform \(platform)")
                }
                continue
            }
            // The note goes out with this drop's measurements stored, so a platform without
            // any before has some now.
            if let note = entry.uncalibratedNote(platform: platform, stage: stage(of: platform)) {
                outcome.notes.append(note)
            }
            var pending: [(Request, TokenGraph)] = []
            let stored = (try? store.read { reader in
                try onPlatform.map { request in
                    try reader.prediction(graphHash: request.target.graphHash, platform: platform,
                                          batchSize: request.target.batchSize, modelVersion: entry.version, kind: .latencyMs)
                }
            }) ?? Array(repeating: nil, count: onPlatform.count)
            for (request, known) in zip(onPlatform, stored) {
                if let known {
                    outcome.answers[request.target] = .predicted(known, isNew: false)
                    continue
                }
                switch graph(for: request, entry: entry, platform: platform) {
                case .success(let graph): pending.append((request, graph))
                case .failure(let reason): outcome.answers[request.target] = .unpredicted(reason: reason.description)
                }
            }
            var start = 0
            while start < pending.count {
                let chunk = Array(pending[start..<min(start + max(1, chunkSize), pending.count)])
                start += chunk.count
                await predict(chunk, platform: platform, into: &outcome)
                beat()
            }
        }
        return outcome
    }

    private struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    private func graph(for request: Request, entry: ModelRegistry.Entry, platform: String) -> Result<TokenGraph, Unreadable> {
        let graph: TokenGraph
        do {
            if let network = request.network {
                graph = try network.tokens(storedEncoding: entry.tokenEncoding)
            } else if let saved = try tokens.tokens(graphHash: request.target.graphHash, batchSize: request.target.batchSize,
                                                    encoding: entry.tokens) {
                graph = saved
            } else {
                return .failure(Unreadable(description: "no tokens of this network at batch size "
                                           + "\(request.target.batchSize) are stored (its file is gone)"))
            }
        } catch {
            return .failure(Unreadable(description: "\(error)"))
        }
        if let reason = entry.unreadable(graph, isCell: request.isCell, platform: platform) {
            return .failure(Unreadable(description: reason))
        }
        return .success(graph)
    }

    /// One registry call; when it fails, each graph alone, so one graph that cannot be
    /// predicted costs only its own number.
    private func predict(_ chunk: [(Request, TokenGraph)], platform: String, into outcome: inout Outcome) async {
        do {
            guard let answer = try await registry.predictLatency(platform: platform, graphs: chunk.map(\.1)) else {
                for (request, _) in chunk {
                    outcome.answers[request.target] = .unpredicted(reason: "the latency model of \(platform) was removed meanwhile")
                }
                return
            }
            for ((request, _), value) in zip(chunk, answer.values) {
                let costs = request.network?.totals
                let prediction = Prediction(graphHash: request.target.graphHash, platform: platform,
                                            batchSize: request.target.batchSize, modelVersion: answer.version,
                                            kind: .latencyMs, value: Double(value), flops: costs?.flops,
                                            params: costs?.params, memoryAccess: costs?.memoryAccess)
                outcome.answers[request.target] = .predicted(prediction, isNew: true)
            }
        } catch where chunk.count > 1 {
            for item in chunk { await predict([item], platform: platform, into: &outcome) }
        } catch {
            outcome.answers[chunk[0].0.target] = .unpredicted(reason: "the latency model could not predict this network: \(error)")
        }
    }

    private func stage(of platform: String) -> UncalibratedNote.Stage {
        let stage = (try? UncalibratedNote.stage(of: platform, in: store)) ?? .measured
        return stage == .unmeasured ? .measured : stage
    }
}
