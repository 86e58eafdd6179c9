import Foundation

/// Typed queries inside one read snapshot (or inside a write, seeing its own changes).
/// Valid only inside the `NarformerStore.read`/`write` closure that handed it out.
public class StoreReader {
    let txn: Transaction
    let tables: Tables
    let keys: StoreKeys
    let codec: ValueCodec

    init(txn: Transaction, tables: Tables) {
        self.txn = txn
        self.tables = tables
        self.keys = StoreKeys(path: txn.path)
        self.codec = ValueCodec(path: txn.path)
    }

    // MARK: graphs

    /// The graph with this content hash, or nil.
    public func graph(hash: String) throws -> GraphRecord? {
        guard let bytes = try txn.get(tables.graphs, key: keys.graph(hash)) else { return nil }
        return try GraphCodec(codec: codec).decode(bytes)
    }

    public func containsGraph(hash: String) throws -> Bool {
        try txn.get(tables.graphs, key: keys.graph(hash)) != nil
    }

    // MARK: predictions

    public func prediction(graphHash: String, platform: String, batchSize: Int, modelVersion: Int,
                           kind: PredictionKind) throws -> Prediction? {
        let key = try keys.prediction(graphHash: graphHash, platform: platform, batchSize: batchSize,
                                      modelVersion: modelVersion, kind: kind)
        guard let bytes = try txn.get(tables.predictions, key: key) else { return nil }
        return try codec.decode(Prediction.self, from: bytes, table: Tables.predictions)
    }

    /// Every prediction of one graph, ordered by platform, batch size, model version, kind.
    public func predictions(ofGraph hash: String) throws -> [Prediction] {
        var found: [Prediction] = []
        try txn.scan(tables.predictions, prefix: keys.graph(hash)) { _, value in
            found.append(try codec.decode(Prediction.self, from: value, table: Tables.predictions))
            return true
        }
        return found
    }

    /// Predictions made at or after `time` (millisecond resolution), oldest first; at most
    /// `limit` of them when given.
    public func predictions(since time: Date, limit: Int? = nil) throws -> [Prediction] {
        var found: [Prediction] = []
        let start = keys.predictionByTime(milliseconds: StoreTime.milliseconds(time), primaryKey: [])
        try txn.scan(tables.predictionsByTime, from: start, before: nil) { key, _ in
            if let limit, found.count >= limit { return false }
            let primaryKey = Array(key.dropFirst(8))
            guard let value = try txn.get(tables.predictions, key: primaryKey) else {
                throw StoreError.corruptRecord(path: txn.path, table: Tables.predictionsByTime,
                                               reason: "index entry points at a missing prediction")
            }
            found.append(try codec.decode(Prediction.self, from: value, table: Tables.predictions))
            return true
        }
        return found
    }

    /// The stamps of every prediction of `platform` and `kind`, oldest first (the order
    /// `predictions(since:)` gives), read from the time index's keys: no prediction is
    /// decoded, so counting or choosing among a large store's predictions stays cheap.
    public func predictionStamps(platform: String, kind: PredictionKind) throws -> [PredictionStamp] {
        var found: [PredictionStamp] = []
        try txn.scan(tables.predictionsByTime, from: [], before: nil) { key, _ in
            var reader = KeyReader(key, path: txn.path, table: Tables.predictionsByTime)
            let milliseconds = try reader.orderedInt64()
            let hash = try reader.hash()
            guard try reader.string() == platform else { return true }
            let batchSize = Int(try reader.uint32()), version = Int(try reader.uint32())
            guard try reader.string() == kind.rawValue else { return true }
            found.append(PredictionStamp(graphHash: hash, platform: platform, batchSize: batchSize, modelVersion: version,
                                         kind: kind, predictedAtMilliseconds: milliseconds))
            return true
        }
        return found
    }

    /// The prediction a stamp names, or nil when it is no longer stored.
    public func prediction(_ stamp: PredictionStamp) throws -> Prediction? {
        try prediction(graphHash: stamp.graphHash, platform: stamp.platform, batchSize: stamp.batchSize,
                       modelVersion: stamp.modelVersion, kind: stamp.kind)
    }

    // MARK: measurements

    public func measurement(id: String) throws -> LatencyMeasurement? {
        guard let bytes = try txn.get(tables.measurements, key: keys.measurement(id: id)) else { return nil }
        return try codec.decode(LatencyMeasurement.self, from: bytes, table: Tables.measurements)
    }

    /// Measurements of `platform` stored at or after `time` (millisecond resolution), in the
    /// order they were stored; at most `limit` of them when given.
    public func measurements(platform: String, since time: Date = .distantPast, limit: Int? = nil) throws -> [LatencyMeasurement] {
        var found: [LatencyMeasurement] = []
        try scanMeasurementIndex(platform: platform, since: time) { id in
            if let limit, found.count >= limit { return false }
            guard let value = try txn.get(tables.measurements, key: id) else {
                throw StoreError.corruptRecord(path: txn.path, table: Tables.measurementsByPlatformTime,
                                               reason: "index entry points at a missing measurement")
            }
            found.append(try codec.decode(LatencyMeasurement.self, from: value, table: Tables.measurements))
            return true
        }
        return found
    }

    /// Every measurement of one graph, on any platform, ordered by platform, batch size and
    /// measuring time: looked up in the `measurements_by_graph` index. A store older than
    /// version 3 that no writer has upgraded yet has no index: its measurements table is read
    /// whole (a value's bytes are searched for the hash before any is decoded).
    public func measurements(ofGraph hash: String) throws -> [LatencyMeasurement] {
        let graphHash = hash.lowercased()
        guard let index = try measurementsByGraphTable() else { return try scanMeasurements(ofGraph: graphHash) }
        var found: [LatencyMeasurement] = []
        try txn.scan(index, prefix: keys.graph(graphHash)) { key, _ in
            let id = Array(key.suffix(ContentHash.byteCount))
            guard let value = try txn.get(tables.measurements, key: id) else {
                throw StoreError.corruptRecord(path: txn.path, table: Tables.measurementsByGraph,
                                               reason: "index entry points at a missing measurement")
            }
            found.append(try codec.decode(LatencyMeasurement.self, from: value, table: Tables.measurements))
            return true
        }
        return Self.byPlatformBatchAndTime(found)
    }

    /// `measurements(ofGraph:)` without the index: the whole measurements table.
    private func scanMeasurements(ofGraph hash: String) throws -> [LatencyMeasurement] {
        let needle = Array("\"graphHash\":\"\(hash)\"".utf8)
        var found: [LatencyMeasurement] = []
        try txn.scan(tables.measurements, from: [], before: nil) { _, value in
            guard Self.contains(value, needle) else { return true }
            let measurement = try codec.decode(LatencyMeasurement.self, from: value, table: Tables.measurements)
            if measurement.graphHash == hash { found.append(measurement) }
            return true
        }
        return Self.byPlatformBatchAndTime(found)
    }

    private static func byPlatformBatchAndTime(_ measurements: [LatencyMeasurement]) -> [LatencyMeasurement] {
        measurements.sorted { ($0.platform, $0.batchSize, $0.measuredAt) < ($1.platform, $1.batchSize, $1.measuredAt) }
    }

    /// The platforms that have measurements, in name order (one seek per platform).
    public func measuredPlatforms() throws -> [String] {
        var names: [String] = []
        try txn.withCursor(tables.measurementsByPlatformTime) { cursor in
            var entry = try cursor.first()
            while let (key, _) = entry {
                var reader = KeyReader(key, path: txn.path, table: Tables.measurementsByPlatformTime)
                let name = try reader.string()
                names.append(name)
                guard let next = KeyBytes.successor(ofPrefix: try keys.platformPrefix(name)) else { break }
                entry = try cursor.seek(atOrAfter: next)
            }
        }
        return names
    }

    /// Whether `platform` has at least one measurement, without counting them all.
    public func hasMeasurements(platform: String) throws -> Bool {
        try measurementCount(platform: platform, limit: 1) > 0
    }

    private static func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, bytes.count >= needle.count else { return false }
        return bytes.withUnsafeBufferPointer { haystack in
            needle.withUnsafeBufferPointer { pattern in
                var start = 0
                let last = haystack.count - pattern.count
                while start <= last {
                    if haystack[start] == first {
                        var k = 1
                        while k < pattern.count && haystack[start + k] == pattern[k] { k += 1 }
                        if k == pattern.count { return true }
                    }
                    start += 1
                }
                return false
            }
        }
    }

    /// How many measurements of `platform` were stored at or after `time`, without decoding
    /// them; counting stops at `limit` (a cheap "at least N?" on a big platform).
    public func measurementCount(platform: String, since time: Date = .distantPast, limit: Int = .max) throws -> Int {
        var count = 0
        guard limit > 0 else { return 0 }
        try scanMeasurementIndex(platform: platform, since: time) { _ in
            count += 1
            return count < limit
        }
        return count
    }

    private func scanMeasurementIndex(platform: String, since time: Date, _ visit: ([UInt8]) throws -> Bool) throws {
        let prefix = try keys.platformPrefix(platform)
        let start = try keys.measurementByPlatformTime(platform: platform, milliseconds: StoreTime.milliseconds(time), id: nil)
        try txn.scan(tables.measurementsByPlatformTime, from: start, before: KeyBytes.successor(ofPrefix: prefix)) { key, _ in
            try visit(Array(key.suffix(ContentHash.byteCount)))
        }
    }

    // MARK: models

    public func model(platform: String, version: Int) throws -> ModelRecord? {
        guard let bytes = try txn.get(tables.models, key: keys.model(platform: platform, version: version)) else { return nil }
        return try codec.decode(ModelRecord.self, from: bytes, table: Tables.models)
    }

    /// Every model version of `platform`, oldest version first.
    public func models(platform: String) throws -> [ModelRecord] {
        var found: [ModelRecord] = []
        try txn.scan(tables.models, prefix: keys.platformPrefix(platform)) { _, value in
            found.append(try codec.decode(ModelRecord.self, from: value, table: Tables.models))
            return true
        }
        return found
    }

    /// The model version of `platform` in state `.active`, or nil when none is.
    public func activeModel(platform: String) throws -> ModelRecord? {
        try models(platform: platform).first { $0.state == .active }
    }

    /// One more than the highest version of `platform` (1 for a platform without models).
    public func nextModelVersion(platform: String) throws -> Int {
        let prefix = try keys.platformPrefix(platform)
        var highest = 0
        try txn.withCursor(tables.models) { cursor in
            // The last key of this platform is just before the first key after its prefix.
            let after = try KeyBytes.successor(ofPrefix: prefix).flatMap { try cursor.seek(atOrAfter: $0) }
            let candidate = after == nil ? try cursor.last() : try cursor.previous()
            if let (key, _) = candidate, key.starts(with: prefix) {
                var reader = KeyReader(key, path: txn.path, table: Tables.models)
                _ = try reader.string()
                highest = Int(try reader.uint32())
            }
        }
        return highest + 1
    }

    // MARK: tokens

    /// The payload put for `key`, or nil when none was.
    public func tokens(_ key: TokensKey) throws -> [UInt8]? {
        guard let table = try tokensTable(),
              let bytes = try txn.get(table, key: keys.tokens(key)) else { return nil }
        return try TokensCodec(codec: codec).decode(bytes)
    }

    public func containsTokens(_ key: TokensKey) throws -> Bool {
        guard let table = try tokensTable() else { return false }
        return try txn.get(table, key: keys.tokens(key)) != nil
    }

    /// Whether tokens of the network at this batch size are stored in any encoding.
    public func containsTokens(graphHash: String, batchSize: Int) throws -> Bool {
        guard let table = try tokensTable() else { return false }
        var found = false
        try txn.scan(table, prefix: keys.tokensPrefix(graphHash: graphHash, batchSize: batchSize)) { _, _ in
            found = true
            return false
        }
        return found
    }

    /// The `tokens` table; a reader that opened a schema-1 store looks again, since the
    /// daemon may have upgraded it since.
    func tokensTable() throws -> Database? {
        if let table = tables.tokens { return table }
        return try txn.openDatabase(Tables.tokens)
    }

    /// The `measurements_by_graph` index; a reader that opened an older store looks again,
    /// since the daemon may have upgraded it since.
    func measurementsByGraphTable() throws -> Database? {
        if let table = tables.measurementsByGraph { return table }
        return try txn.openDatabase(Tables.measurementsByGraph)
    }

    // MARK: meta

    /// The schema version recorded in the store.
    public func schemaVersion() throws -> UInt32 {
        try SchemaCheck.version(in: txn, meta: tables.meta) ?? 0
    }

    /// The value of a meta key, or nil.
    public func meta(_ key: MetaKey) throws -> String? {
        try meta(key.name)
    }

    /// A free meta value by name, or nil.
    public func meta(_ name: String) throws -> String? {
        guard name != SchemaCheck.key, let bytes = try txn.get(tables.meta, key: keys.meta(name)) else { return nil }
        let body = try codec.payload(of: bytes, table: Tables.meta)
        guard let text = String(validating: body, as: UTF8.self) else {
            throw StoreError.corruptRecord(path: txn.path, table: Tables.meta, reason: "value of '\(name)' is not UTF-8")
        }
        return text
    }

    /// Every free meta value by name (the schema version excluded).
    public func allMeta() throws -> [String: String] {
        var names: [String] = []
        try txn.scan(tables.meta, from: [], before: nil) { key, _ in
            names.append(String(decoding: key, as: UTF8.self))
            return true
        }
        var values: [String: String] = [:]
        for name in names where name != SchemaCheck.key {
            values[name] = try meta(name)
        }
        return values
    }

    // MARK: statistics

    /// Entries per table (mdb_stat; index tables not counted).
    public func counts() throws -> StoreCounts {
        StoreCounts(graphs: try txn.entryCount(tables.graphs),
                    predictions: try txn.entryCount(tables.predictions),
                    measurements: try txn.entryCount(tables.measurements),
                    models: try txn.entryCount(tables.models),
                    meta: try txn.entryCount(tables.meta))
    }
}
