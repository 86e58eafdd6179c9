import ArgumentParser
import Engine
import Foundation
import Store

/// `narformer query FILE|HASH`: a stored graph and every prediction of it.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Show a stored graph and all its predictions, by network file or content hash.")

    @Argument(help: "A network file (.onnx or .json; imported to find its hash) or a 64-character content hash.")
    var target: String

    @OptionGroup var location: StoreOptions

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() throws {
        let hash = try resolveHash()
        let store = try location.openStore(try location.loadConfig())
        let (graph, predictions) = try store.read { reader in
            (try reader.graph(hash: hash), try reader.predictions(ofGraph: hash))
        }
        guard let graph else {
            throw CommandFailure("the store holds no graph with hash \(hash)")
        }
        if json {
            print(String(decoding: try StoreJSON.encode(QueryAnswer(graph: .init(graph), predictions: predictions)), as: UTF8.self))
            return
        }
        print("hash          \(graph.hash)")
        print("kind          \(graph.kind.rawValue)")
        print("nodes         \(graph.nodeCount)")
        print("source file   \(graph.sourceFileName)")
        print("first seen    \(StoreJSON.timestamp(graph.firstSeen))")
        print("predictions   \(predictions.count)")
        for p in predictions {
            let value = p.kind == .latencyMs ? String(format: "%.4f ms", p.value) : String(format: "%.4f", p.value)
            print("  \(p.platform)  batch \(p.batchSize)  model v\(p.modelVersion)  \(p.kind.rawValue) = \(value)  "
                  + "(\(StoreJSON.timestamp(p.predictedAt)))")
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
