import ArgumentParser
import Config
import Engine
import Foundation
import Store

/// `narformer query FILE|HASH`: a stored graph and every prediction of it.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Show a stored graph, all its predictions and its measurements, by network file or content hash.")

    @Argument(help: "A network file (.onnx or .json; imported to find its hash) or a 64-character content hash.")
    var target: String

    @OptionGroup var location: StoreOptions

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() throws {
        let hash = try resolveHash()
        let config = try location.loadConfig()
        let store = try location.openStore(config)
        let (graph, predictions, measurements) = try store.read { reader in
            (try reader.graph(hash: hash), try reader.predictions(ofGraph: hash), try reader.measurements(ofGraph: hash))
        }
        guard let graph else {
            throw CommandFailure("the store holds no graph with hash \(hash)")
        }
        var comparison = MeasurementComparison(store: store, models: config?.models ?? ModelsConfig(directory: ""))
        let noted = try predictions.map { QueryAnswer.NotedPrediction(prediction: $0, note: try comparison.note(of: $0)) }
        let rows = try measurements.map { try comparison.row($0, predictions: predictions) }
        if json {
            let answer = QueryAnswer(graph: .init(graph), predictions: noted, measurements: rows)
            print(String(decoding: try StoreJSON.encode(answer), as: UTF8.self))
            return
        }
        print("hash          \(graph.hash)")
        print("kind          \(graph.kind.rawValue)")
        print("nodes         \(graph.nodeCount)")
        print("source file   \(graph.sourceFileName)")
        print("first seen    \(StoreJSON.timestamp(graph.firstSeen))")
        print("predictions   \(predictions.count)")
        for item in noted {
            let p = item.prediction
            let value = p.kind == .latencyMs ? String(format: "%.4f ms", p.value) : String(format: "%.4f", p.value)
            print("  \(p.platform)  batch \(p.batchSize)  model v\(p.modelVersion)  \(p.kind.rawValue) = \(value)  "
                  + "(\(StoreJSON.timestamp(p.predictedAt)))" + (item.note.map { "  [\($0)]" } ?? ""))
        }
        print("measurements  \(rows.count)")
        for row in rows {
            let when = row.measuredAt.map(StoreJSON.timestamp) ?? "at an unknown time"
            var line = "  \(row.platform)  batch \(row.batchSize)  " + String(format: "%.4f ms", row.latencyMs)
                + "  measured \(when)  from \(row.file ?? "an unnamed file") (\(row.source))"
            if let predicted = row.predictedLatencyMs, let version = row.modelVersion, let error = row.relativeError {
                line += String(format: "  predicted %.4f ms by v%d (%+.1f%%)", predicted, version, error * 100)
            } else {
                line += "  no latency prediction at this batch size"
            }
            print(line)
        }
    }

    private func resolveHash() throws -> String {
        let isHash = target.count == 64 && target.allSatisfy(\.isHexDigit)
        if isHash && !FileManager.default.fileExists(atPath: target) { return target.lowercased() }
        do {
            return try NetworkImporter.importFile(at: URL(fileURLWithPath: target)).contentHash
        } catch let error as ImportError {
            throw CommandFailure("\(target) is neither a content hash nor a readable network file: \(error.description)")
        }
    }
}
