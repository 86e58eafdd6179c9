import Engine
import Foundation

/// Networks a shipped latency model was trained on, kept beside it so that fine-tuning on a
/// lab's few measurements does not forget everything else the model knew.
///
/// Replay without labels: at every retrain the *adapted* start model (its level and rates
/// already fitted to the platform) predicts these networks, and those predictions join the
/// measurements as training targets. A fine-tune on a lab's new families then moves what
/// they need and keeps its predictions for the networks the lab never measured (the old
/// families) where the start model had them; on a new machine, the anchors carry the fitted
/// level, not the shipped machine's milliseconds. An anchor whose network the platform has
/// measured is left out (the measurement speaks for it).
///
/// The file also names every network the model was trained on (graph hashes, no tokens), so
/// that a retrain does not judge the model on networks it learned by heart
/// (`CandidateJudgement.ComparedExposure`).
///
/// File (`<model>.anchors`, beside the checkpoint): a header line
/// `narformer-anchors v2 <token encoding> <count> <trained count>\n`, then per anchor its
/// graph hash (64 ASCII hex digits), a little-endian u32 length and its tokens in the
/// store's layout (`MeasuredTokenCodec`), then the trained networks' hashes (64 ASCII hex
/// digits each). Version 1 (no trained count, no trained list) is still read.
package struct ReplayAnchors: Sendable {
    package struct Anchor: Sendable {
        package var graphHash: String
        package var graph: TokenGraph

        package init(graphHash: String, graph: TokenGraph) {
            self.graphHash = graphHash
            self.graph = graph
        }
    }

    /// The token encoding every anchor is in (the model's `token_encoding`).
    package var encoding: String
    package var anchors: [Anchor]
    /// Graph hashes of every network the model was trained on; nil when the file does not
    /// say (version 1).
    package var trainedOn: Set<String>?

    package init(encoding: String, anchors: [Anchor], trainedOn: Set<String>? = nil) {
        self.encoding = encoding
        self.anchors = anchors
        self.trainedOn = trainedOn
    }

    package struct Damaged: Error, CustomStringConvertible {
        package var description: String
    }

    /// Where a checkpoint's anchors are: the same name with the extension `anchors`.
    package static func url(besides checkpoint: URL) -> URL {
        checkpoint.deletingPathExtension().appendingPathExtension("anchors")
    }

    /// The anchors beside `checkpoint`; nil when it has none.
    package static func load(besides checkpoint: URL) throws -> ReplayAnchors? {
        let url = url(besides: checkpoint)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try read(Array(try Data(contentsOf: url)), file: url.path)
    }

    package static func read(_ bytes: [UInt8], file: String) throws -> ReplayAnchors {
        func damaged(_ problem: String) -> Damaged { Damaged(description: "\(file): \(problem)") }
        guard let newline = bytes.prefix(256).firstIndex(of: 10) else { throw damaged("no header line") }
        let header = String(decoding: bytes[..<newline], as: UTF8.self).split(separator: " ").map(String.init)
        let version1 = header.count == 4 && header.first == "narformer-anchors" && header[1] == "v1"
        let version2 = header.count == 5 && header.first == "narformer-anchors" && header[1] == "v2"
        guard version1 || version2, let count = Int(header[3]), count >= 0, count <= 100_000,
              let trainedCount = version2 ? Int(header[4]) : 0, trainedCount >= 0, trainedCount <= 1_000_000 else {
            throw damaged("the header is not 'narformer-anchors v2 <encoding> <count> <trained count>'")
        }
        guard let tokenDim = ModelTokens(storedName: header[2])?.tokenDim else {
            throw damaged("no token encoding is named '\(header[2])'")
        }
        var position = newline + 1
        var anchors: [Anchor] = []
        for index in 0..<count {
            guard position + 68 <= bytes.count else { throw damaged("anchor \(index) is cut short") }
            let hash = String(decoding: bytes[position..<position + 64], as: UTF8.self)
            let length = bytes[position + 64..<position + 68].reversed().reduce(0) { $0 << 8 | Int($1) }
            position += 68
            guard length <= bytes.count - position else { throw damaged("anchor \(index) is cut short") }
            let graph: TokenGraph
            do {
                graph = try MeasuredTokenCodec.decode(Array(bytes[position..<position + length]), expectedTokenDim: tokenDim)
            } catch {
                throw damaged("anchor \(index): \(error)")
            }
            anchors.append(Anchor(graphHash: hash, graph: graph))
            position += length
        }
        guard version2 else { return ReplayAnchors(encoding: header[2], anchors: anchors) }
        guard bytes.count - position == 64 * trainedCount else {
            throw damaged("the list of \(trainedCount) trained networks takes \(bytes.count - position) bytes, not \(64 * trainedCount)")
        }
        var trainedOn = Set<String>()
        for start in stride(from: position, to: bytes.count, by: 64) {
            trainedOn.insert(String(decoding: bytes[start..<start + 64], as: UTF8.self))
        }
        return ReplayAnchors(encoding: header[2], anchors: anchors, trainedOn: trainedOn)
    }

    package func bytes() -> [UInt8] {
        // Without a trained list the file is a version 1 one: it does not say, rather than
        // saying "none".
        let trained = trainedOn?.sorted()
        var out = Array((trained.map { "narformer-anchors v2 \(encoding) \(anchors.count) \($0.count)\n" }
                         ?? "narformer-anchors v1 \(encoding) \(anchors.count)\n").utf8)
        for anchor in anchors {
            out += Array(anchor.graphHash.utf8.prefix(64))
            let encoded = MeasuredTokenCodec.encode(anchor.graph)
            withUnsafeBytes(of: UInt32(encoded.count).littleEndian) { out += $0 }
            out += encoded
        }
        for hash in trained ?? [] { out += Array(hash.utf8.prefix(64)) }
        return out
    }

    /// Whether a start model, adapted to this platform, is worth replaying here:
    /// its error on the platform's training measurements is at most `trustedError`. On
    /// another machine the prior's per-op costs can be off by more than its fitted rates can
    /// mend, and pinning the networks nobody measured to them held the fine-tune back
    /// (docs/continual-learning.md). The default model made for the platform itself is
    /// always replayed (`CandidateRecipe`): its error there says how new the measured
    /// networks are, not that the machine is another.
    package func trusted(_ model: TrainedModel, on training: [MeasuredSample]) throws -> Bool {
        let predicted = try CandidateTraining.predict(model, training)
        let measured = training.map { Double($0.latencyMs) }
        return EvaluationMetrics(predicted: predicted, measured: measured).mape <= Self.trustedError
    }

    /// The largest MAPE (as a fraction) of the adapted start model on the platform's
    /// training measurements at which its anchors are replayed.
    package static let trustedError = 0.12

    /// The anchors as training samples whose targets are `model`'s own predictions, without
    /// the networks in `measured` (graph hashes).
    package func samples(predictedBy model: TrainedModel, excluding measured: Set<String>) throws -> [MeasuredSample] {
        let kept = anchors.filter { !measured.contains($0.graphHash) }
        guard !kept.isEmpty else { return [] }
        let targets = try model.predictValues(kept.map(\.graph), batchSize: 64)
        return zip(kept, targets).compactMap { anchor, target in
            target.isFinite && target > 0
                ? MeasuredSample(measurementID: "anchor-" + anchor.graphHash, graphHash: anchor.graphHash,
                                 graph: anchor.graph, latencyMs: Float(target))
                : nil
        }
    }
}
