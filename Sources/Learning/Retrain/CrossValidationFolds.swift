import Crypto
import Foundation

/// The folds of a cross-validation over a platform's measured networks.
///
/// Folds are made of networks, not measurements: every measurement of one graph lands in
/// the same fold, so no network is both trained on and judged with (repeated measurements
/// of one network would otherwise leak its latency into its own judgement). The assignment
/// is a pure function of the graph hashes: the same measurements give the same folds in
/// every retrain and on every machine.
package struct CrossValidationFolds: Sendable, Equatable {
    /// Sample indices of each fold; together they hold every judged sample exactly once.
    package var folds: [[Int]]

    /// At most `maxFolds` folds over the distinct graphs of `graphHashes` (one fold per
    /// network when there are fewer networks: leave-one-network-out).
    package init(graphHashes: [String], maxFolds: Int = 5) {
        self.init(graphHashes: graphHashes, judged: { _ in true }, maxFolds: maxFolds)
    }

    /// Folds over only the samples `judged` selects (by index); the others are in no fold,
    /// so every fold's model trains on them and none is judged with them.
    package init(graphHashes: [String], judged: (Int) -> Bool, maxFolds: Int = 5) {
        let members = graphHashes.indices.filter(judged)
        let networks = Array(Set(members.map { graphHashes[$0] })).sorted { Self.rank($0) < Self.rank($1) }
        let count = max(1, min(maxFolds, networks.count))
        var foldOf: [String: Int] = [:]
        for (position, network) in networks.enumerated() { foldOf[network] = position % count }
        var folds = Array(repeating: [Int](), count: count)
        for index in members { folds[foldOf[graphHashes[index]] ?? 0].append(index) }
        self.folds = folds.filter { !$0.isEmpty }
    }

    /// Whether some samples are in no fold (always trained on, never judged).
    package func leavesOut(sampleCount: Int) -> Bool {
        folds.reduce(0) { $0 + $1.count } < sampleCount
    }

    /// A position in a seeded shuffle of the networks: the first 8 bytes of
    /// SHA-256("narformer fold v1\n" + graph hash).
    private static func rank(_ graphHash: String) -> UInt64 {
        let digest = SHA256.hash(data: Data("narformer fold v1\n\(graphHash)".utf8))
        return digest.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
