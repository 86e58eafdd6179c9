import Foundation

/// The entry point the daemon and the training CLI call: a file (ONNX or graph JSON)
/// or its bytes become an `ImportedNetwork`, or an `ImportError` that says why not.
public enum NetworkImporter {
    public enum Format: String, Sendable {
        case onnx
        case graphJSON

        /// The format of a file named `name` with these contents: by its extension (`.onnx`,
        /// `.json`, any case), otherwise graph JSON when its first byte that is not white
        /// space opens an object, ONNX when not.
        public init(fileName name: String, contents: Data) {
            switch (name as NSString).pathExtension.lowercased() {
            case "onnx": self = .onnx
            case "json": self = .graphJSON
            default: self = contents.first(where: { !" \n\r\t".utf8.contains($0) }) == UInt8(ascii: "{") ? .graphJSON : .onnx
            }
        }
    }

    /// Files larger than this are refused before they are mapped.
    public static let maxFileBytes = 4 << 30

    /// Imports `url`; `batchSize` (a measurement's batch) replaces the input's batch
    /// dimension before shapes are inferred (default: the file's own, or 1 if symbolic).
    public static func importFile(at url: URL, batchSize: Int? = nil) throws -> ImportedNetwork {
        let name = url.lastPathComponent
        let size = try regularFileSize(atPath: url.path, name: name)
        let data: Data
        do {
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
        return try importData(data, format: Format(fileName: name, contents: data), name: name, batchSize: batchSize)
    }

    /// - Parameter budget: the node cap and time budget of this import (the daemon's
    ///   `limits:`); a network beyond either is refused with `ImportError.tooLarge`.
    public static func importData(_ data: Data, format: Format, name: String, batchSize: Int? = nil,
                                  budget: ImportBudget = .unlimited) throws -> ImportedNetwork {
        guard !data.isEmpty else { throw ImportError(.malformed, file: name, "the file is empty (0 bytes)") }
        let meter = ImportBudget.Meter(budget: budget, name: name)
        try meter.check("starting")
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
        try meter.checkNodes(raw.nodes.count)
        try meter.check("reading the file")
        return try importRaw(raw, name: name, batchSize: batchSize, meter: meter)
    }

    static func importRaw(_ raw: RawGraph, name: String, batchSize: Int?,
                          meter: ImportBudget.Meter? = nil) throws -> ImportedNetwork {
        let asRead = try GraphBuilder.Plan(raw, batchSize: batchSize, file: name)
        let (graph, inferred) = try asRead.build(batchSize: batchSize)
        try meter?.check("building the graph")
        let batch = graph.nodes.first(where: { $0.origin == .graphInput })?.outputShape.first ?? batchSize ?? 1
        // One graph per network whichever exporter wrote it (GraphCanonicalizer); the
        // graph as stated stays what the baseline and costs encodings read.
        let folded = GraphCanonicalizer.canonicalize(raw, asRead: graph, order: asRead.order)
        // Unchanged, the folded graph is the raw one (same nodes, same order).
        let plan = folded.changed ? try GraphBuilder.Plan(folded.raw, batchSize: batchSize, file: name, order: folded.order,
                                                          derivedFrom: asRead, unchangedFrom: folded.unchangedFrom) : asRead
        let constants = CanonicalGraph.constantNodes(plan)
        var folds = folded.folds
        if constants.computed > 0 { folds[GraphCanonicalizer.Fold.computedConstant.rawValue] = constants.computed }
        try meter?.check("finding the canonical form")
        func finish(_ g: consuming NetworkGraph) -> NetworkGraph {
            CanonicalGraph.apply(g, constantNodes: constants.names, viewGathers: folded.viewGathers)
        }
        let canonical = finish(folded.changed
            ? try plan.build(batchSize: batchSize, reusing: inferred).graph : graph)
        try meter?.check("building the canonical graph")
        // The hash describes the network, not the measurement: shapes at batch 1, inferred
        // again over the same plan (only the shapes differ from the graph at `batch`).
        let hashGraph = batch == 1 ? canonical : finish(try plan.graph(batchSize: 1))
        try meter?.check("building the graph at batch 1")
        return ImportedNetwork(name: name, graph: graph, batchSize: batchSize ?? batch, canonicalGraph: canonical,
                               hashGraph: hashGraph, folds: folds)
    }
}
