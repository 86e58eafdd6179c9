import Crypto
import Foundation

/// Where a model version stands in its life.
public enum ModelState: String, Codable, Sendable, CaseIterable {
    /// Trained, waiting to be judged.
    case candidate
    /// The one version of its platform that serves predictions.
    case active
    /// Was active, replaced by a newer version.
    case retired
    /// Judged and not promoted.
    case rejected
    /// Passed the promotion rule, but its latency scale is far from the serving model's:
    /// waits for a person to promote it (`narformer models promote`) or leave it.
    case held
}

/// One trained model version of a platform. Weights live in a file; the store keeps its path
/// and SHA-256 so a reader can tell a swapped or damaged file.
public struct ModelRecord: Codable, Sendable, Equatable {
    public var platform: String
    public var version: Int
    public var metrics: [String: Double]
    public var created: Date
    public var state: ModelState
    public var trainingSetSize: Int
    /// The version this one was fine-tuned from; nil when trained from scratch.
    public var baseVersion: Int?
    public var weightsPath: String
    /// 64 lowercase hex characters.
    public var weightsSHA256: String
    /// When the weights file was deleted to bound the models folder (a rejected version
    /// past `retraining.keep_rejected`); the record stays, for its history. Nil: kept.
    public var weightsRemoved: Date?

    public init(platform: String, version: Int, metrics: [String: Double], created: Date = Date(),
                state: ModelState, trainingSetSize: Int, baseVersion: Int?, weightsPath: String,
                weightsSHA256: String, weightsRemoved: Date? = nil) {
        self.platform = platform
        self.version = version
        self.metrics = metrics
        self.created = StoreTime.normalized(created)
        self.state = state
        self.trainingSetSize = trainingSetSize
        self.baseVersion = baseVersion
        self.weightsPath = weightsPath
        self.weightsSHA256 = weightsSHA256.lowercased()
        self.weightsRemoved = weightsRemoved.map(StoreTime.normalized)
    }

    /// Checks that the weights file exists and its SHA-256 matches `weightsSHA256`.
    public func verifyWeights() throws {
        if let weightsRemoved {
            throw StoreError.weightsRemoved(file: weightsPath, version: version, on: weightsRemoved)
        }
        let actual = try Self.sha256(ofFileAt: weightsPath)
        guard actual == weightsSHA256 else {
            throw StoreError.weightsChecksumMismatch(file: weightsPath, expected: weightsSHA256, actual: actual)
        }
    }

    /// The SHA-256 of a file as 64 lowercase hex characters, read in 1 MiB chunks.
    public static func sha256(ofFileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.weightsUnreadable(file: path, reason: "it does not exist or is not readable")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
            }
        } catch {
            throw StoreError.weightsUnreadable(file: path, reason: error.localizedDescription)
        }
        return ContentHash.hex(of: hasher.finalize())
    }
}
