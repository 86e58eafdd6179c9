import Engine
import Foundation
import Store

/// The token files earlier versions wrote, one JSON `TokenGraph` per measured network,
/// batch size and encoding: `<store>/tokens/<hash>-b<batch>.json` for the baseline and the
/// cell tokens, `<hash>-b<batch>-<encoding>.json` for the other encodings. Read while
/// they are there; `MeasuredTokenStore.convertLegacyFiles` moves them into the store.
package struct LegacyTokenFiles: Sendable {
    package var directory: URL

    package init(storePath: String) {
        directory = StoreFolder(path: storePath).tokens
    }

    package func url(graphHash: String, batchSize: Int, encoding: ModelTokens) -> URL {
        let suffix = encoding.hasUnsuffixedFileName ? "" : "-" + encoding.storedName
        return directory.appendingPathComponent("\(graphHash)-b\(batchSize)\(suffix).json")
    }

    /// The file's tokens when it holds tokens of `encoding` (a cell's file serves every
    /// encoding, as `ImportedNetwork.tokens(for:)` does); nil when there is no such file or
    /// it cannot be read.
    package func tokens(graphHash: String, batchSize: Int, encoding: ModelTokens) -> TokenGraph? {
        guard let graph = try? read(url(graphHash: graphHash, batchSize: batchSize, encoding: encoding)),
              let found = ModelTokens(readBy: graph), found == encoding || found == .cell else { return nil }
        return graph
    }

    package func containsAny(graphHash: String, batchSize: Int) -> Bool {
        FileManager.default.fileExists(atPath: url(graphHash: graphHash, batchSize: batchSize, encoding: .baseline).path)
    }

    /// One token file of the folder, as its name describes it.
    package struct File: Sendable {
        package var url: URL
        package var graphHash: String
        package var batchSize: Int
        /// The encoding the name ends in; nil for an unsuffixed name (baseline or cell).
        package var encoding: String?
    }

    /// The token files in the folder, by name. Files whose names are no token file's
    /// (temporary files of an interrupted write) are left out.
    package func files() -> [File] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().compactMap { name in
            Self.parse(name).map { File(url: directory.appendingPathComponent(name), graphHash: $0.graphHash,
                                        batchSize: $0.batchSize, encoding: $0.encoding) }
        }
    }

    /// The tokens of `file` and the key they belong under, checked against its name.
    package func read(_ file: File) throws -> (key: TokensKey, graph: TokenGraph) {
        let graph = try read(file.url)
        guard let encoding = ModelTokens(readBy: graph) else {
            throw Problem(description: "rows of \(graph.tokenDim) tokens fit no token encoding")
        }
        guard file.encoding.map({ $0 == encoding.storedName }) ?? encoding.hasUnsuffixedFileName else {
            let named = file.encoding.map { "the encoding \($0)" } ?? "the baseline or the cell tokens"
            throw Problem(description: "it holds \(encoding.storedName) tokens, its name says \(named)")
        }
        return (TokensKey(graphHash: file.graphHash, batchSize: file.batchSize, encoding: encoding.storedName), graph)
    }

    private struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    private func read(_ url: URL) throws -> TokenGraph {
        try JSONDecoder().decode(TokenGraph.self, from: Data(contentsOf: url))
    }

    /// `<64 hex>-b<batch>[-<encoding>].json` split into its parts; nil for any other name.
    static func parse(_ name: String) -> (graphHash: String, batchSize: Int, encoding: String?)? {
        guard name.hasSuffix(".json") else { return nil }
        let stem = name.dropLast(5)
        let hash = stem.prefix(64)
        guard hash.count == 64, hash.allSatisfy(\.isHexDigit), stem.dropFirst(64).hasPrefix("-b") else { return nil }
        let rest = stem.dropFirst(66)
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard let batchSize = Int(digits) else { return nil }
        let tail = rest.dropFirst(digits.count)
        if tail.isEmpty { return (String(hash), batchSize, nil) }
        guard tail.hasPrefix("-"), tail.count > 1 else { return nil }
        return (String(hash), batchSize, String(tail.dropFirst()))
    }
}
