import Engine
import Foundation
import Store

/// The token graphs of measured networks, one file per (graph hash, batch size, token
/// encoding), so that retraining can turn the store's measurements into training samples
/// for a model of any encoding.
///
/// The store keeps each graph in the importer's canonical text, which drops what the
/// tokenizer needs (names, bias flags, the measured batch size), so it cannot be turned
/// back into tokens; the tokens of every encoding are saved here when a measurement's
/// network is imported. The baseline (and cell) tokens keep the file name they had before
/// encodings existed (`<hash>-b<batch>.json`), so stores written then still train.
/// Files are written to a temporary name and renamed, so a reader never sees half a file.
package struct MeasuredTokenStore: Sendable {
    package var directory: URL

    package init(directory: URL) {
        self.directory = directory
    }

    /// `<store>/tokens`: beside the measurements they belong to.
    package init(storePath: String) {
        directory = StoreFolder(path: storePath).tokens
    }

    package func url(graphHash: String, batchSize: Int, encoding: ModelTokens = .baseline) -> URL {
        let suffix = encoding.hasUnsuffixedFileName ? "" : "-" + encoding.storedName
        return directory.appendingPathComponent("\(graphHash)-b\(batchSize)\(suffix).json")
    }

    package func contains(graphHash: String, batchSize: Int, encoding: ModelTokens = .baseline) -> Bool {
        FileManager.default.fileExists(atPath: url(graphHash: graphHash, batchSize: batchSize, encoding: encoding).path)
    }

    /// Saved tokens in `encoding` (the baseline by default; a cell's are found the same way), or nil when none were saved
    /// (or the file cannot be read).
    package func tokens(graphHash: String, batchSize: Int, encoding: ModelTokens = .baseline) -> TokenGraph? {
        guard let data = try? Data(contentsOf: url(graphHash: graphHash, batchSize: batchSize, encoding: encoding)) else {
            return nil
        }
        return try? JSONDecoder().decode(TokenGraph.self, from: data)
    }

    package func save(_ tokens: TokenGraph, graphHash: String, batchSize: Int, encoding: ModelTokens = .baseline) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let data = try JSONEncoder().encode(tokens)
        try data.write(to: url(graphHash: graphHash, batchSize: batchSize, encoding: encoding), options: .atomic)
    }

    /// Saves the network's tokens in each of its encodings that is not saved yet, and
    /// tokenises only those (a re-sent measurement costs no tokenisation).
    package func saveMissing(of network: ImportedNetwork, batchSize: Int) throws {
        for encoding in network.storedEncodings
        where !contains(graphHash: network.contentHash, batchSize: batchSize, encoding: encoding) {
            try save(try network.tokens(for: encoding), graphHash: network.contentHash,
                     batchSize: batchSize, encoding: encoding)
        }
    }
}
