import Daemon
import Foundation
import Store

/// `narformer query --json` output.
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

    var graph: Graph
    var predictions: [Prediction]
}
