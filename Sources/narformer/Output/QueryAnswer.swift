import Daemon
import Foundation
import Store

/// `narformer query --json` output (docs/query.schema.json).
struct QueryAnswer: Encodable {
    struct Graph: Encodable {
        var hash: String
        var kind: String
        var nodeCount: Int
        var sourceFileName: String
        var otherFiles: [String]
        var firstSeen: Date

        init(_ record: GraphRecord) {
            hash = record.hash
            kind = record.kind.rawValue
            nodeCount = record.nodeCount
            sourceFileName = record.sourceFileName
            otherFiles = record.otherFileNames
            firstSeen = record.firstSeen
        }

        enum CodingKeys: String, CodingKey {
            case hash, kind, nodeCount = "node_count", sourceFileName = "source_file", otherFiles = "other_files"
            case firstSeen = "first_seen"
        }
    }

    /// A stored prediction, with the note it carries when another platform's model made it.
    struct NotedPrediction: Encodable {
        var prediction: Prediction
        var note: String?

        enum CodingKeys: String, CodingKey { case note }

        func encode(to encoder: any Encoder) throws {
            try prediction.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(note, forKey: .note)
        }
    }

    var graph: Graph
    var predictions: [NotedPrediction]
    var measurements: [MeasurementRow]
}
