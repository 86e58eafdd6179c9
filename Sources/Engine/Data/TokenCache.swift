import Crypto
import Foundation

/// An on-disk cache of per-file tokens, so a data set is tokenised once and later runs
/// start training at once.
///
/// An entry is keyed by the file's content (SHA-256, so a renamed or moved file still
/// hits and an edited one misses), the batch size, the encoding's name and the cache
/// format version. Entries are written to a temporary file and renamed into place, so
/// a reader never sees half an entry; an entry that fails to decode is recomputed.
public struct TokenCache: Sendable {
    /// Bump when the entry layout or the meaning of cached tokens changes.
    public static let formatVersion: UInt32 = 1

    public var directory: URL
    /// The token encoding's name (e.g. "nnlqp-152"); part of the key.
    public var encoding: String

    /// How a lookup was answered.
    public enum Outcome: Sendable, Equatable {
        case hit
        case computed
        /// The entry existed but could not be read (the reason); it was recomputed.
        case recomputedCorrupt(String)
        /// Computed, but the entry could not be written (the reason); the run goes on.
        case computedNotStored(String)
    }

    /// `directory` defaults to `$NARFORMER_CACHE/tokens` when set, else `~/.cache/narformer/tokens`.
    public init(encoding: String, directory: URL? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.encoding = encoding
        self.directory = directory ?? Self.defaultDirectory(environment: environment)
    }

    public static func defaultDirectory(environment: [String: String]) -> URL {
        if let root = environment["NARFORMER_CACHE"], !root.isEmpty {
            return URL(fileURLWithPath: root, isDirectory: true).appendingPathComponent("tokens", isDirectory: true)
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".cache/narformer/tokens", isDirectory: true)
    }

    /// SHA-256 of a file's bytes, hex, read in chunks so large files do not load whole.
    public static func contentHash(of file: URL) throws -> String {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: file)
        } catch {
            throw DatasetError(file: file, problem: "cannot be read (\(error.localizedDescription))")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        } catch {
            throw DatasetError(file: file, problem: "cannot be read (\(error.localizedDescription))")
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The key string stored in (and naming) an entry.
    public func key(contentHash: String, batchSize: Int) -> String {
        "\(contentHash)-b\(batchSize)-\(Self.fileSafe(encoding))-v\(Self.formatVersion)"
    }

    public func entryURL(contentHash: String, batchSize: Int) -> URL {
        directory.appendingPathComponent(key(contentHash: contentHash, batchSize: batchSize) + ".tok")
    }

    /// The tokens of `file` at `batchSize`: from the cache, or from `load` (then stored).
    /// Only `load`'s errors and an unreadable `file` are thrown; cache trouble is reported
    /// in the outcome and never stops a run.
    public func tokens(for file: URL, batchSize: Int,
                       load: (URL, Int) throws -> CachedTokens) throws -> (tokens: CachedTokens, outcome: Outcome) {
        let hash = try Self.contentHash(of: file)
        let key = key(contentHash: hash, batchSize: batchSize)
        let entry = entryURL(contentHash: hash, batchSize: batchSize)
        var corruptReason: String?
        if let data = try? Data(contentsOf: entry) {
            do {
                return (try TokenCacheCodec.decode(data, expectedKey: key, format: Self.formatVersion), .hit)
            } catch let corrupt as TokenCacheCodec.Corrupt {
                corruptReason = corrupt.reason
            }
        }
        let computed = try load(file, batchSize)
        do {
            try store(computed, key: key, at: entry)
        } catch {
            return (computed, .computedNotStored("\(entry.path): \(error.localizedDescription)"))
        }
        return (computed, corruptReason.map(Outcome.recomputedCorrupt) ?? .computed)
    }

    private func store(_ tokens: CachedTokens, key: String, at entry: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(key).\(UUID().uuidString).tmp")
        try TokenCacheCodec.encode(tokens, key: key, format: Self.formatVersion).write(to: temporary)
        // rename(2) replaces an existing entry atomically (FileManager.moveItem refuses to).
        guard rename(temporary.path, entry.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "rename failed: \(reason)"])
        }
    }

    private static func fileSafe(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" ? $0 : "_" })
    }
}
