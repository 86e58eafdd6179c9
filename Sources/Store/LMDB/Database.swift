import CLMDB

/// A named LMDB database (a table). The handle is valid for the life of its `Environment`.
public struct Database: Sendable, Hashable {
    let dbi: MDB_dbi
    public let name: String
}
