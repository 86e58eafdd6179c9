import Foundation

/// What a stored graph describes: a whole network (latency) or a NAS-Bench-201 cell (accuracy).
public enum GraphKind: String, Codable, Sendable, CaseIterable {
    case network
    case cell
}

/// A canonical graph as the engine produced it, keyed by the SHA-256 of its canonical bytes.
public struct GraphRecord: Codable, Sendable, Equatable {
    /// 64 lowercase hex characters.
    public var hash: String
    /// The engine's canonical encoding; opaque to the store.
    public var graph: Data
    public var sourceFileName: String
    /// Other names the same graph arrived under later (at most `maxOtherFileNames`, oldest
    /// first), for pipelines that join on file names.
    public var otherFileNames: [String] = []
    public static let maxOtherFileNames = 32
    /// When the graph was first stored; later puts of the same hash keep the first record.
    public var firstSeen: Date
    public var nodeCount: Int
    public var kind: GraphKind

    public init(hash: String, graph: Data, sourceFileName: String, firstSeen: Date = Date(),
                nodeCount: Int, kind: GraphKind, otherFileNames: [String] = []) {
        self.otherFileNames = otherFileNames
        self.hash = hash.lowercased()
        self.graph = graph
        self.sourceFileName = sourceFileName
        self.firstSeen = StoreTime.normalized(firstSeen)
        self.nodeCount = nodeCount
        self.kind = kind
    }
}
