import Foundation
import CLMDB
import Glibc

/// Every failure of the store, each naming the store path (or file) and the problem in plain words.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An LMDB call failed; `message` is `mdb_strerror`'s text for `code`.
    case lmdb(path: String, operation: String, code: Int32, message: String)
    /// Something exists at `path` but it is not a narformer store (a plain file, a corrupt or
    /// foreign LMDB file, an environment without our `meta` table).
    case notAStore(path: String, reason: String)
    /// A reader was pointed at a path where no store has been created yet.
    case missingStore(path: String)
    /// The store was written by a newer narformer whose schema this code does not know.
    case newerSchema(path: String, found: UInt32, supported: UInt32)
    /// A stored value could not be decoded (unknown format byte, truncated or invalid bytes).
    case corruptRecord(path: String, table: String, reason: String)
    /// A caller passed a value that cannot be stored (a malformed hash, a name with a NUL byte).
    case invalidArgument(path: String, reason: String)
    /// The model (platform, version) does not exist.
    case modelNotFound(path: String, platform: String, version: Int)
    /// A write was attempted on a store opened read-only.
    case readOnly(path: String)
    /// `write` was called inside another transaction of the same store on the same thread.
    case nestedWrite(path: String)
    /// A transaction object was used after its `read`/`write` closure returned.
    case transactionFinished(path: String)
    /// A weights file does not match the checksum recorded for its model.
    case weightsChecksumMismatch(file: String, expected: String, actual: String)
    /// A weights file could not be read.
    case weightsUnreadable(file: String, reason: String)
    /// A rejected version's weights file was deleted on purpose (`retraining.keep_rejected`).
    case weightsRemoved(file: String, version: Int, on: Date)

    public var description: String {
        switch self {
        case let .lmdb(path, operation, code, message):
            if Self.diskCodes.contains(code) {
                return "store \(path): the disk holding the store is full or failing (\(operation): \(message), "
                    + "code \(code)); free space or check the disk, then restart"
            }
            return "store \(path): \(operation) failed: \(message) (LMDB code \(code))"
        case let .notAStore(path, reason):
            return "store \(path): not a narformer store: \(reason)"
        case let .missingStore(path):
            return "store \(path): no store exists there (start the daemon once to create it)"
        case let .newerSchema(path, found, supported):
            return "store \(path): schema version \(found) is newer than this narformer knows (\(supported)); upgrade narformer"
        case let .corruptRecord(path, table, reason):
            return "store \(path): corrupt record in table '\(table)': \(reason)"
        case let .invalidArgument(path, reason):
            return "store \(path): \(reason)"
        case let .modelNotFound(path, platform, version):
            return "store \(path): no model version \(version) for platform '\(platform)'"
        case let .readOnly(path):
            return "store \(path): opened read-only, cannot write"
        case let .nestedWrite(path):
            return "store \(path): a write was started inside another transaction of the same store on the same thread"
        case let .transactionFinished(path):
            return "store \(path): a transaction was used after its scope ended"
        case let .weightsChecksumMismatch(file, expected, actual):
            return "weights file \(file): SHA-256 is \(actual), but the store recorded \(expected)"
        case let .weightsUnreadable(file, reason):
            return "weights file \(file): cannot be read: \(reason)"
        case let .weightsRemoved(file, version, date):
            return "weights file \(file): removed on \(date.formatted(.iso8601)); only the newest rejected versions "
                + "keep their weights (retraining.keep_rejected), so v\(version) keeps its record only"
        }
    }

    /// The codes LMDB passes on from a write the disk refused: no space left, quota
    /// exceeded, I/O error.
    static let diskCodes: Set<Int32> = [ENOSPC, EDQUOT, EIO]

    /// The LMDB return code, when this error came from LMDB.
    public var lmdbCode: Int32? {
        if case let .lmdb(_, _, code, _) = self { return code }
        return nil
    }

    static func check(_ code: Int32, _ operation: @autoclosure () -> String, path: String) throws {
        guard code != 0 else { return }
        throw StoreError.lmdb(path: path, operation: operation(), code: code,
                              message: String(cString: mdb_strerror(code)))
    }
}
