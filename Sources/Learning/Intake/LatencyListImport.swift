import Engine
import Foundation
import Store

/// Bulk import of a lab's measured history (an NNLQP latency list) into the store: each
/// network's graph, its tokens for retraining, and its measurement on one platform.
///
/// Idempotent: a measurement's store id comes from its content (graph hash, platform,
/// batch, latency, source) and its source names the list file and the record's id, so a
/// second run stores nothing new. A record whose network cannot be imported is reported
/// with its line and skipped; the rest are stored.
package struct LatencyListImport {
    package struct Summary: Sendable, Equatable {
        package var new = 0
        package var alreadyStored = 0
        /// `<list>:<line>: problem`, one per record that was not stored.
        package var failures: [String] = []
    }

    package let store: NarformerStore
    package let tokens: MeasuredTokenStore
    package let platform: String
    /// Records stored per write transaction. Each commit waits for the disk (LMDB syncs
    /// it), so fewer, larger transactions make the import faster; what waits for the
    /// commit is small (a graph, its deflated tokens, a measurement), not the network.
    package var chunkSize = 256

    package init(store: NarformerStore, tokens: MeasuredTokenStore, platform: String, chunkSize: Int = 256) {
        self.store = store
        self.tokens = tokens
        self.platform = platform
        self.chunkSize = chunkSize
    }

    /// `progress(done, total)` is called after each record.
    package func run(_ list: LatencyList, progress: (Int, Int) -> Void = { _, _ in }) throws -> Summary {
        var summary = Summary()
        let listName = list.source.lastPathComponent
        var pending: [(graph: GraphRecord, tokens: [TokensRecord], measurement: LatencyMeasurement)] = []
        // One write transaction per chunk: the graphs, the tokens not stored yet (made
        // before the transaction) and the measurements, so a measurement is never stored
        // without its tokens.
        func flush() throws {
            guard !pending.isEmpty else { return }
            let batch = pending
            let isNew = try store.write { writer in
                try batch.map { graph, tokens, measurement -> Bool in
                    for record in tokens { try writer.putTokens(record) }
                    try writer.putGraph(graph)
                    return try writer.putMeasurement(measurement)
                }
            }
            summary.new += isNew.filter { $0 }.count
            summary.alreadyStored += isNew.filter { !$0 }.count
            pending.removeAll(keepingCapacity: true)
        }
        var chunkTokens = Set<TokensKey>()
        for (index, record) in list.records.enumerated() {
            do {
                let network = try NetworkImporter.importFile(at: record.onnxFile, batchSize: record.batchSize)
                // Tokens made for an earlier record of this chunk are not stored yet.
                let made = try tokens.missingRecords(of: [(network, record.batchSize)])
                    .filter { chunkTokens.insert($0.key).inserted }
                pending.append((
                    GraphRecord(hash: network.contentHash, graph: network.canonicalData(),
                                sourceFileName: record.onnxFile.lastPathComponent,
                                nodeCount: network.graph.nodes.count, kind: .network),
                    made,
                    LatencyMeasurement(graphHash: network.contentHash, platform: platform, batchSize: record.batchSize,
                                       latencyMs: record.latencyMs, source: "import \(listName) \(record.id)",
                                       measuredAt: Date(timeIntervalSince1970: 0), file: listName)))
                if pending.count >= chunkSize {
                    try flush()
                    chunkTokens.removeAll(keepingCapacity: true)
                }
            } catch let error as ImportError {
                summary.failures.append("\(listName):\(record.line): \(error.description)")
            }
            progress(index + 1, list.records.count)
        }
        try flush()
        return summary
    }
}
