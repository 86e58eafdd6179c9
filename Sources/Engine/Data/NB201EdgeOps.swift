/// The six edge operations of a NAS-Bench-201 cell, read from its arch string
/// (`|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`), in arch-string order.
///
/// Kept apart from the importer's cell type so the data sets and the op-count baseline
/// can check and featurise cells on their own.
public struct NB201EdgeOps: Sendable, Hashable {
    /// Operation names, in the index order used by one-hot features.
    public static let operations = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
    public static let edgeCount = 6

    /// Indices into `operations`, one per edge.
    public var ops: [Int]

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// A cell from its six operation indices (edge order of the arch string).
    public init(ops: [Int]) throws {
        guard ops.count == Self.edgeCount, ops.allSatisfy(Self.operations.indices.contains) else {
            throw ParseError(description: "a cell needs \(Self.edgeCount) operation indices in 0..<\(Self.operations.count), got \(ops)")
        }
        self.ops = ops
    }

    public init(arch: String) throws {
        let nodes = arch.split(separator: "+", omittingEmptySubsequences: false)
        guard nodes.count == 3 else {
            throw ParseError(description: "arch '\(arch)' does not have 3 '+'-separated nodes")
        }
        var ops: [Int] = []
        for (nodeIndex, node) in nodes.enumerated() {
            guard node.hasPrefix("|"), node.hasSuffix("|"), node.count >= 2 else {
                throw ParseError(description: "arch '\(arch)': node \(nodeIndex + 1) is not enclosed in '|'")
            }
            let edges = node.dropFirst().dropLast().split(separator: "|", omittingEmptySubsequences: false)
            guard edges.count == nodeIndex + 1 else {
                throw ParseError(description: "arch '\(arch)': node \(nodeIndex + 1) has \(edges.count) inputs, expected \(nodeIndex + 1)")
            }
            for (inputIndex, edge) in edges.enumerated() {
                let parts = edge.split(separator: "~", omittingEmptySubsequences: false)
                guard parts.count == 2, let op = Self.operations.firstIndex(of: String(parts[0])) else {
                    throw ParseError(description: "arch '\(arch)': '\(edge)' is not <operation>~<input> with a known operation (\(Self.operations.joined(separator: ", ")))")
                }
                guard Int(parts[1]) == inputIndex else {
                    throw ParseError(description: "arch '\(arch)': '\(edge)' should read from input \(inputIndex)")
                }
                ops.append(op)
            }
        }
        self.ops = ops
    }

    /// 30 one-hot features: edge e using operation o sets index `e * 5 + o`.
    public var oneHotFeatures: [Double] {
        var features = [Double](repeating: 0, count: Self.edgeCount * Self.operations.count)
        for (edge, op) in ops.enumerated() { features[edge * Self.operations.count + op] = 1 }
        return features
    }
}
