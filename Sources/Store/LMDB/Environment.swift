import CLMDB
import Foundation

/// How to open an LMDB environment.
public struct EnvironmentOptions: Sendable {
    /// Initial map size in bytes; the writer doubles it whenever a write finds the map full.
    public var mapSize: Int
    public var maxReaders: UInt32
    public var maxDatabases: UInt32
    /// Open for reading only (CLI readers, pipelines). The directory must already hold a store.
    public var readOnly: Bool

    public init(mapSize: Int = 64 << 20, maxReaders: UInt32 = 126, maxDatabases: UInt32 = 16,
                readOnly: Bool = false) {
        self.mapSize = mapSize
        self.maxReaders = maxReaders
        self.maxDatabases = maxDatabases
        self.readOnly = readOnly
    }
}

/// An LMDB environment: one directory holding `data.mdb` and `lock.mdb`.
///
/// Transactions exist only inside `read` and `write` closures: a write commits when its closure
/// returns and aborts when it throws; a read always ends with its closure. `Transaction` is not
/// Sendable, so the compiler keeps each one on the thread that runs its closure.
/// `write` inside another `read` or `write` closure of the same environment on the same thread
/// throws `StoreError.nestedWrite`; reads may nest.
public final class Environment: @unchecked Sendable {
    // @unchecked: an MDB_env handle may be shared by threads (LMDB documents it as thread-safe);
    // write transactions are serialised by LMDB's own writer lock, read transactions use
    // MDB_NOTLS slots, and map resizes are fenced from all transactions by `resizeLock`.
    let handle: OpaquePointer
    public let path: String
    public let isReadOnly: Bool
    private let resizeLock = ResizeLock()
    /// Marks, in the thread's dictionary, that this thread is inside a transaction of this environment.
    private var transactionMarker: String { "narformer.lmdb.transaction.\(UInt(bitPattern: ObjectIdentifier(self)))" }

    public init(path: String, options: EnvironmentOptions = EnvironmentOptions()) throws {
        self.path = path
        self.isReadOnly = options.readOnly
        try Environment.prepareDirectory(path, readOnly: options.readOnly)

        var env: OpaquePointer?
        try StoreError.check(mdb_env_create(&env), "mdb_env_create", path: path)
        guard let env else {
            throw StoreError.lmdb(path: path, operation: "mdb_env_create", code: 0, message: "no handle returned")
        }
        do {
            try StoreError.check(mdb_env_set_maxreaders(env, options.maxReaders), "mdb_env_set_maxreaders", path: path)
            try StoreError.check(mdb_env_set_maxdbs(env, options.maxDatabases), "mdb_env_set_maxdbs", path: path)
            try StoreError.check(mdb_env_set_mapsize(env, max(options.mapSize, 0)), "mdb_env_set_mapsize", path: path)
            var flags = UInt32(MDB_NOTLS)
            if options.readOnly { flags |= UInt32(MDB_RDONLY) }
            let code = mdb_env_open(env, path, flags, 0o644)
            switch code {
            case 0: break
            case MDB_INVALID:
                throw StoreError.notAStore(path: path, reason: "data.mdb is not an LMDB file (corrupt or something else)")
            case MDB_VERSION_MISMATCH:
                throw StoreError.notAStore(path: path, reason: "data.mdb was written by an incompatible LMDB version")
            case ENOENT where options.readOnly:
                throw StoreError.missingStore(path: path)
            default:
                try StoreError.check(code, "mdb_env_open", path: path)
            }
            // Reader slots left by killed processes would pin old pages and make the file grow.
            var staleReaders: Int32 = 0
            try StoreError.check(mdb_reader_check(env, &staleReaders), "mdb_reader_check", path: path)
        } catch {
            mdb_env_close(env)
            throw error
        }
        handle = env
    }

    deinit {
        mdb_env_close(handle)
    }

    /// The current map size in bytes.
    public var mapSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        return info.me_mapsize
    }

    /// Runs `body` in a read-only snapshot. The snapshot ends when `body` returns or throws.
    public func read<T>(_ body: (Transaction) throws -> T) throws -> T {
        let threadState = Thread.current.threadDictionary
        let outermost = threadState[transactionMarker] == nil
        if outermost { threadState[transactionMarker] = true }
        defer { if outermost { threadState.removeObject(forKey: transactionMarker) } }
        while true {
            let attempt: Attempt<T> = try resizeLock.shared {
                let txn: OpaquePointer
                switch begin(flags: UInt32(MDB_RDONLY)) {
                case .success(let handle): txn = handle
                case .failure(let error):
                    if error.lmdbCode == MDB_MAP_RESIZED { return .mapResized }
                    throw error
                }
                let transaction = Transaction(handle: txn, environment: self, readOnly: true)
                let outcome = Result { try body(transaction) }
                // Ending a read by commit, not abort, keeps database handles opened in it.
                if case .success = outcome { try transaction.commit() } else { transaction.abort() }
                return .finished(outcome)
            }
            switch attempt {
            case .finished(let outcome): return try outcome.get()
            case .mapResized: try adoptGrownMap()
            case .mapFull: try growMap()
            }
        }
    }

    /// Runs `body` in a write transaction: commits when `body` returns, aborts when it throws.
    ///
    /// When the map is full the transaction is aborted, the map doubled and `body` run again
    /// from the start, so `body` must only have effects inside the transaction.
    public func write<T>(_ body: (Transaction) throws -> T) throws -> T {
        guard !isReadOnly else { throw StoreError.readOnly(path: path) }
        // A nested write would wait forever on LMDB's writer lock (or on the resize lock held
        // by the enclosing transaction): refuse it with an error instead.
        let threadState = Thread.current.threadDictionary
        guard threadState[transactionMarker] == nil else { throw StoreError.nestedWrite(path: path) }
        threadState[transactionMarker] = true
        defer { threadState.removeObject(forKey: transactionMarker) }
        while true {
            let attempt: Attempt<T> = try resizeLock.shared {
                let txn: OpaquePointer
                switch begin(flags: 0) {
                case .success(let handle): txn = handle
                case .failure(let error):
                    if error.lmdbCode == MDB_MAP_RESIZED { return .mapResized }
                    throw error
                }
                let transaction = Transaction(handle: txn, environment: self, readOnly: false)
                let result: T
                do {
                    result = try body(transaction)
                } catch {
                    transaction.abort()
                    if transaction.sawMapFull || error.lmdbCode == MDB_MAP_FULL { return .mapFull }
                    throw error
                }
                do {
                    try transaction.commit()
                } catch {
                    if error.lmdbCode == MDB_MAP_FULL { return .mapFull }
                    throw error
                }
                return .finished(.success(result))
            }
            switch attempt {
            case .finished(let outcome): return try outcome.get()
            case .mapResized: try adoptGrownMap()
            case .mapFull: try growMap()
            }
        }
    }

    /// How one try at a transaction ended; the map cases are retried after fixing the map.
    private enum Attempt<T> {
        case finished(Result<T, Error>)
        case mapFull
        case mapResized
    }

    private func begin(flags: UInt32) -> Result<OpaquePointer, Error> {
        var txn: OpaquePointer?
        let code = mdb_txn_begin(handle, nil, flags, &txn)
        if code == 0, let txn { return .success(txn) }
        return .failure(StoreError.lmdb(path: path, operation: "mdb_txn_begin", code: code,
                                        message: String(cString: mdb_strerror(code))))
    }

    /// Doubles the map after MDB_MAP_FULL. No transaction of this process may be live meanwhile.
    private func growMap() throws {
        try resizeLock.exclusive {
            let grown = mapSize * 2
            try StoreError.check(mdb_env_set_mapsize(handle, grown), "mdb_env_set_mapsize(\(grown))", path: path)
        }
    }

    /// Another process grew the map (MDB_MAP_RESIZED): a size of 0 adopts the size on disk.
    private func adoptGrownMap() throws {
        try resizeLock.exclusive {
            try StoreError.check(mdb_env_set_mapsize(handle, 0), "mdb_env_set_mapsize(0)", path: path)
        }
    }

    /// Readers need an existing directory; the writer creates it. A plain file is never a store.
    private static func prepareDirectory(_ path: String, readOnly: Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StoreError.notAStore(path: path, reason: "it is a file, but a store is a directory")
            }
            return
        }
        guard !readOnly else { throw StoreError.missingStore(path: path) }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw StoreError.invalidArgument(path: path, reason: "cannot create the store directory: \(error.localizedDescription)")
        }
    }
}

extension Error {
    var lmdbCode: Int32? { (self as? StoreError)?.lmdbCode }
}
