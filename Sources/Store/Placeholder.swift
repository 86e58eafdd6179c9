import CLMDB
public enum StoreModule { public static var lmdbVersion: String { String(cString: mdb_version(nil, nil, nil)) } }
