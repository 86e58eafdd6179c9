import Engine
import Foundation
import Store

/// The token graphs of measured networks, one store record (table `tokens`) per graph hash,
/// batch size and token encoding, so that retraining can turn the store's measurements into
/// training samples for a model of any encoding.
///
/// The store keeps each graph in the importer's canonical text, which drops what the
/// tokenizer needs (names, bias flags, the measured batch size), so it cannot be turned
/// back into tokens; the tokens of every encoding are stored when a measurement's network
/// is imported, in the same transaction as the measurement (`MeasuredTokenCodec` is the
/// layout; the store deflates it).
///
/// Stores of earlier versions hold the tokens as JSON files (`LegacyTokenFiles`): they are
/// read when the table has no record, and `convertLegacyFiles` moves them into the table.
package struct MeasuredTokenStore: Sendable {
    package let store: NarformerStore
    package let legacy: LegacyTokenFiles

    package init(store: NarformerStore) {
        self.store = store
        legacy = LegacyTokenFiles(storePath: store.path)
    }

    package static func key(graphHash: String, batchSize: Int, encoding: ModelTokens) -> TokensKey {
        TokensKey(graphHash: graphHash, batchSize: batchSize, encoding: encoding.storedName)
    }

    /// Stored tokens in `encoding` (a cell's tokens whatever whole-network encoding is asked
    /// for, as `ImportedNetwork.tokens(for:)` gives them), or nil when none were stored.
    /// A record that cannot be decoded is an error naming the store and the record.
    package func tokens(graphHash: String, batchSize: Int, encoding: ModelTokens = .baseline) throws -> TokenGraph? {
        var candidates = [encoding]
        if case .network = encoding { candidates.append(.cell) }
        let keys = candidates.map { Self.key(graphHash: graphHash, batchSize: batchSize, encoding: $0) }
        func stored() throws -> TokenGraph? {
            let found = try store.read { reader in
                try keys.lazy.compactMap { key in try reader.tokens(key).map { (key, $0) } }.first
            }
            return try found.map { try decode($0.1, key: $0.0) }
        }
        if let graph = try stored() { return graph }
        if let graph = legacy.tokens(graphHash: graphHash, batchSize: batchSize, encoding: encoding) { return graph }
        // The file may have been converted between the two looks.
        return try stored()
    }

    /// Whether tokens of the network at this batch size are stored (in any encoding).
    package func contains(graphHash: String, batchSize: Int) throws -> Bool {
        try store.read { try $0.containsTokens(graphHash: graphHash, batchSize: batchSize) }
            || legacy.containsAny(graphHash: graphHash, batchSize: batchSize)
    }

    /// Whether tokens of the network at this batch size are stored in every one of `encodings`
    /// (one read transaction; a legacy file is looked for only where the store has none).
    package func containsEvery(graphHash: String, batchSize: Int, encodings: [ModelTokens]) throws -> Bool {
        let keys = encodings.map { Self.key(graphHash: graphHash, batchSize: batchSize, encoding: $0) }
        let stored = try store.read { reader in try keys.map { try reader.containsTokens($0) } }
        return zip(encodings, stored).allSatisfy { encoding, isStored in
            isStored || FileManager.default.fileExists(atPath: legacy.url(graphHash: graphHash, batchSize: batchSize,
                                                                          encoding: encoding).path)
        }
    }

    package func contains(graphHash: String, batchSize: Int, encoding: ModelTokens) throws -> Bool {
        try store.read { try $0.containsTokens(Self.key(graphHash: graphHash, batchSize: batchSize, encoding: encoding)) }
            || FileManager.default.fileExists(atPath: legacy.url(graphHash: graphHash, batchSize: batchSize,
                                                                 encoding: encoding).path)
    }

    /// Stores `tokens` under `encoding` unless tokens are stored there already.
    package func save(_ tokens: TokenGraph, graphHash: String, batchSize: Int, encoding: ModelTokens = .baseline) throws {
        let record = Self.record(tokens, key: Self.key(graphHash: graphHash, batchSize: batchSize, encoding: encoding))
        try store.write { writer in _ = try writer.putTokens(record) }
    }

    /// The records of the networks' encodings that are not stored yet, tokenised and encoded
    /// here (before the write transaction that puts them, so that it stays short); a
    /// re-sent measurement costs one lookup and no tokenisation.
    package func missingRecords(of networks: [(network: ImportedNetwork, batchSize: Int)]) throws -> [TokensRecord] {
        var wanted: [(ImportedNetwork, ModelTokens, TokensKey)] = []
        var seen = Set<TokensKey>()
        for (network, batchSize) in networks {
            for encoding in network.storedEncodings {
                let key = Self.key(graphHash: network.contentHash, batchSize: batchSize, encoding: encoding)
                if seen.insert(key).inserted { wanted.append((network, encoding, key)) }
            }
        }
        let stored = try store.read { reader in try wanted.map { try reader.containsTokens($0.2) } }
        var records: [TokensRecord] = []
        for ((network, encoding, key), isStored) in zip(wanted, stored) where !isStored {
            if FileManager.default.fileExists(atPath: legacy.url(graphHash: key.graphHash, batchSize: key.batchSize,
                                                                 encoding: encoding).path) { continue }
            records.append(Self.record(try network.tokens(for: encoding), key: key))
        }
        return records
    }

    /// Stores the network's tokens in each of its encodings that is not stored yet.
    package func saveMissing(of network: ImportedNetwork, batchSize: Int) throws {
        let records = try missingRecords(of: [(network, batchSize)])
        guard !records.isEmpty else { return }
        try store.write { writer in for record in records { try writer.putTokens(record) } }
    }

    /// What `convertLegacyFiles` did.
    package struct Conversion: Sendable, Equatable {
        package var converted = 0
        /// `file: reason` for each token file that could not be read; these files stay.
        package var unreadable: [String] = []
    }

    /// Moves the token files of earlier versions into the store, `chunk` files per write
    /// transaction; each file is removed once its transaction committed, so an interrupted
    /// conversion goes on where it stopped. The folder is removed once empty. Unreadable
    /// files stay where they are and are reported. `shouldStop` is asked between chunks.
    package func convertLegacyFiles(chunk: Int = 256, shouldStop: () -> Bool = { false }) throws -> Conversion {
        var conversion = Conversion()
        let files = legacy.files()
        var start = 0
        while start < files.count, !shouldStop() {
            let part = files[start..<min(start + chunk, files.count)]
            start += part.count
            var converted: [(url: URL, record: TokensRecord)] = []
            for file in part {
                do {
                    let (key, graph) = try legacy.read(file)
                    converted.append((file.url, Self.record(graph, key: key)))
                } catch {
                    conversion.unreadable.append("\(file.url.path): \(error)")
                }
            }
            try store.write { writer in for item in converted { try writer.putTokens(item.record) } }
            conversion.converted += converted.count
            for item in converted { try? FileManager.default.removeItem(at: item.url) }
        }
        if (try? FileManager.default.contentsOfDirectory(atPath: legacy.directory.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: legacy.directory)
        }
        return conversion
    }

    /// The network's tokens in the first whole-network encoding stored for it (in
    /// `ModelTokens.networkEncodings` order) and that encoding, read in `reader`'s
    /// transaction; nil when none is stored in the table.
    package func anyNetworkTokens(_ reader: StoreReader, graphHash: String, batchSize: Int) throws
        -> (graph: TokenGraph, encoding: ModelTokens)? {
        for encoding in ModelTokens.networkEncodings {
            let key = Self.key(graphHash: graphHash, batchSize: batchSize, encoding: encoding)
            if let payload = try reader.tokens(key) { return (try decode(payload, key: key), encoding) }
        }
        return nil
    }

    /// The store record of `graph` under `key` (encoded here, outside any transaction).
    package static func record(_ graph: TokenGraph, key: TokensKey) -> TokensRecord {
        TokensRecord(key: key, payload: MeasuredTokenCodec.encode(graph))
    }

    private func decode(_ payload: [UInt8], key: TokensKey) throws -> TokenGraph {
        let what = "tokens of \(key.graphHash) at batch \(key.batchSize) in \(key.encoding)"
        guard let encoding = ModelTokens(storedName: key.encoding) else {
            throw StoreError.corruptRecord(path: store.path, table: "tokens", reason: "\(what): no such encoding")
        }
        do {
            let graph = try MeasuredTokenCodec.decode(payload, expectedTokenDim: encoding.tokenDim)
            guard encoding.hasShape(of: graph) else {
                throw MeasuredTokenCodec.Corrupt(description: "they are not tokens of that encoding")
            }
            return graph
        } catch {
            throw StoreError.corruptRecord(path: store.path, table: "tokens", reason: "\(what): \(error)")
        }
    }
}
