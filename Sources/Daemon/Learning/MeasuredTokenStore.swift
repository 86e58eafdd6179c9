import Engine
import Foundation

/// The token graphs of measured networks, one file per (graph hash, batch size), so that
/// retraining can turn the store's measurements into training samples.
///
/// The store keeps each graph in the importer's canonical text, which drops what the
/// tokenizer needs (names, bias flags, the measured batch size), so it cannot be turned
/// back into tokens; the tokens are saved here when a measurement's network is imported.
/// Files are written to a temporary name and renamed, so a reader never sees half a file.
struct MeasuredTokenStore: Sendable {
    var directory: URL

    init(directory: URL) {
        self.directory = directory
    }

    /// `<store>/tokens`: beside the measurements they belong to.
    init(storePath: String) {
        directory = URL(fileURLWithPath: storePath).appendingPathComponent("tokens", isDirectory: true)
    }

    func url(graphHash: String, batchSize: Int) -> URL {
        directory.appendingPathComponent("\(graphHash)-b\(batchSize).json")
    }

    func contains(graphHash: String, batchSize: Int) -> Bool {
        FileManager.default.fileExists(atPath: url(graphHash: graphHash, batchSize: batchSize).path)
    }

    /// Saved tokens, or nil when none were saved (or the file cannot be read).
    func tokens(graphHash: String, batchSize: Int) -> TokenGraph? {
        guard let data = try? Data(contentsOf: url(graphHash: graphHash, batchSize: batchSize)) else { return nil }
        return try? JSONDecoder().decode(TokenGraph.self, from: data)
    }

    func save(_ tokens: TokenGraph, graphHash: String, batchSize: Int) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let data = try JSONEncoder().encode(tokens)
        try data.write(to: url(graphHash: graphHash, batchSize: batchSize), options: .atomic)
    }
}
