import Foundation

/// The entry point the daemon and the training CLI call: a file (ONNX or graph JSON)
/// or its bytes become an `ImportedNetwork`, or an `ImportError` that says why not.
public enum NetworkImporter {
    public enum Format: String, Sendable {
        case onnx
        case graphJSON
    }

    /// Files larger than this are refused before they are mapped.
    public static let maxFileBytes = 4 << 30

    /// Imports `url`; `batchSize` (a measurement's batch) replaces the input's batch
    /// dimension before shapes are inferred (default: the file's own, or 1 if symbolic).
    public static func importFile(at url: URL, batchSize: Int? = nil) throws -> ImportedNetwork {
        let name = url.lastPathComponent
        let data: Data
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
            guard size <= maxFileBytes else {
                throw ImportError(.tooLarge, file: name, "the file has \(size) bytes, more than \(maxFileBytes)")
            }
            // Mapped, not read: weight bytes the reader skips are never paged in.
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch let e as ImportError {
            throw e
        } catch {
            throw ImportError(.unreadable, file: name, "cannot read the file: \(error.localizedDescription)")
        }
        let format: Format
        switch url.pathExtension.lowercased() {
        case "onnx": format = .onnx
        case "json": format = .graphJSON
        default: format = data.first(where: { !" \n\r\t".utf8.contains($0) }) == UInt8(ascii: "{") ? .graphJSON : .onnx
        }
        return try importData(data, format: format, name: name, batchSize: batchSize)
    }

    public static func importData(_ data: Data, format: Format, name: String, batchSize: Int? = nil) throws -> ImportedNetwork {
        guard !data.isEmpty else { throw ImportError(.malformed, file: name, "the file is empty (0 bytes)") }
        let raw: RawGraph
        switch format {
        case .onnx:
            raw = try ONNXReader.read(data, file: name)
        case .graphJSON:
            switch try GraphJSONReader.read(data, file: name) {
            case .cell(let cell): return ImportedNetwork(cell: cell)
            case .network(let r): raw = r
            }
        }
        return try importRaw(raw, name: name, batchSize: batchSize)
    }

    static func importRaw(_ raw: RawGraph, name: String, batchSize: Int?) throws -> ImportedNetwork {
        let graph = try GraphBuilder.build(raw, batchSize: batchSize, file: name)
        let batch = graph.nodes.first(where: { $0.origin == .graphInput })?.outputShape.first ?? batchSize ?? 1
        // One graph per network whichever exporter wrote it (GraphCanonicalizer); the
        // graph as stated stays what the baseline and costs encodings read.
        let folded = GraphCanonicalizer.canonicalize(raw, asRead: graph)
        func finish(_ g: NetworkGraph) -> NetworkGraph {
            CanonicalGraph.apply(g, constantNodes: folded.constantNodes, viewGathers: folded.viewGathers)
        }
        let canonical = finish(folded.changed ? try GraphBuilder.build(folded.raw, batchSize: batchSize, file: name) : graph)
        // The hash describes the network, not the measurement: shapes at batch 1.
        let hashGraph = batch == 1 ? canonical : finish(try GraphBuilder.build(folded.raw, batchSize: 1, file: name))
        return ImportedNetwork(name: name, graph: graph, batchSize: batchSize ?? batch, canonicalGraph: canonical,
                               hashGraph: hashGraph, folds: folded.folds)
    }
}
