import Foundation
import Store

/// One row of `narformer export`: a prediction with what a pipeline joins it on. The same
/// fields, in this order, are the CSV columns; docs/export.schema.json describes a JSON
/// line.
struct ExportRow: Encodable {
    var graphHash: String
    var platform: String
    var batchSize: Int
    var modelVersion: Int
    var kind: String
    var value: Double
    var predictedAt: Date
    /// The file name the graph first arrived as, and the other names it arrived as later.
    var file: String?
    var otherFiles: [String]
    var flops: Double?
    var params: Double?
    var memoryAccess: Double?
    /// The latest measured latency of this graph on this platform at this batch size.
    var measuredLatencyMs: Double?
    /// Set when the prediction was made with another platform's model.
    var note: String?
    /// The prediction's novelty and its reason (`Prediction.novelty`).
    var novelty: Double?
    var noveltyReason: String?

    static let csvHeader = "graph_hash,platform,batch_size,model_version,kind,value,predicted_at,file,other_files,"
        + "flops,params,memory_access,measured_latency_ms,note,novelty,novelty_reason"

    var csvLine: String {
        // Platform names are [a-z0-9._-] (config rule), hashes hex; file names are quoted.
        return [graphHash, platform, "\(batchSize)", "\(modelVersion)", kind, "\(value)", StoreJSON.timestamp(predictedAt),
                Self.quoted(file ?? ""), Self.quoted(otherFiles.joined(separator: "/")), Self.number(flops), Self.number(params),
                Self.number(memoryAccess), Self.number(measuredLatencyMs), Self.quoted(note ?? ""), Self.number(novelty),
                Self.quoted(noveltyReason ?? "")].joined(separator: ",")
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
    /// A CSV field of an optional number: empty when absent.
    static func number(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }

    static func quoted(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// What export joins each prediction with, read once per graph and platform.
struct ExportJoin {
    let store: NarformerStore
    private var graphs: [String: GraphRecord?] = [:]
    private var measured: [String: [String: Double]] = [:]

    init(store: NarformerStore) {
        self.store = store
    }

    mutating func row(_ p: Prediction) throws -> ExportRow {
        if graphs[p.graphHash] == nil {
            graphs[p.graphHash] = .some(try store.read { try $0.graph(hash: p.graphHash) })
        }
        let graph = graphs[p.graphHash] ?? nil
        if measured[p.platform] == nil {
            var latest: [String: (Date, Double)] = [:]
            for m in try store.read({ try $0.measurements(platform: p.platform) }) {
                let key = "\(m.graphHash)|\(m.batchSize)"
                if (latest[key]?.0 ?? .distantPast) <= m.measuredAt { latest[key] = (m.measuredAt, m.latencyMs) }
            }
            measured[p.platform] = latest.mapValues(\.1)
        }
        return ExportRow(graphHash: p.graphHash, platform: p.platform, batchSize: p.batchSize,
                         modelVersion: p.modelVersion, kind: p.kind.rawValue, value: p.value, predictedAt: p.predictedAt,
                         file: graph?.sourceFileName, otherFiles: graph?.otherFileNames ?? [], flops: p.flops,
                         params: p.params, memoryAccess: p.memoryAccess,
                         measuredLatencyMs: p.kind == .latencyMs ? measured[p.platform]?["\(p.graphHash)|\(p.batchSize)"] : nil,
                         novelty: p.novelty, noveltyReason: p.noveltyReason)
    }
}
