import Foundation

/// Typed writes inside one write transaction; everything done through one writer commits
/// together or not at all. Valid only inside the `NarformerStore.write` closure.
public final class StoreWriter: StoreReader {
    /// Stores a graph unless its hash is already there (the first record, with its
    /// first-seen time, is kept, and a new file name is added to its other names). Returns
    /// true when it was new.
    @discardableResult
    public func putGraph(_ record: GraphRecord) throws -> Bool {
        let codec = GraphCodec(codec: self.codec)
        if try txn.put(tables.graphs, key: keys.graph(record.hash), value: codec.encode(record), overwrite: false) {
            return true
        }
        guard var stored = try graph(hash: record.hash), stored.sourceFileName != record.sourceFileName,
              !stored.otherFileNames.contains(record.sourceFileName),
              stored.otherFileNames.count < GraphRecord.maxOtherFileNames else { return false }
        stored.otherFileNames.append(record.sourceFileName)
        _ = try txn.put(tables.graphs, key: keys.graph(record.hash), value: codec.encode(stored), overwrite: true)
        return false
    }

    /// Stores a prediction, replacing one with the same key and keeping the time index exact.
    public func putPrediction(_ prediction: Prediction) throws {
        let key = try keys.prediction(prediction)
        if let old = try txn.get(tables.predictions, key: key) {
            let previous = try codec.decode(Prediction.self, from: old, table: Tables.predictions)
            try txn.delete(tables.predictionsByTime,
                           key: keys.predictionByTime(milliseconds: StoreTime.milliseconds(previous.predictedAt), primaryKey: key))
        }
        try txn.put(tables.predictions, key: key, value: codec.encode(prediction))
        try txn.put(tables.predictionsByTime,
                    key: keys.predictionByTime(milliseconds: StoreTime.milliseconds(prediction.predictedAt), primaryKey: key),
                    value: [ValueCodec.formatVersion])
    }

    public func putPredictions(_ predictions: [Prediction]) throws {
        for prediction in predictions { try putPrediction(prediction) }
    }

    /// Stores a measurement under its content id; storing the same measurement again changes
    /// nothing. Returns true when it was new.
    @discardableResult
    public func putMeasurement(_ measurement: LatencyMeasurement) throws -> Bool {
        let id = measurement.id
        guard try txn.put(tables.measurements, key: keys.measurement(id: id), value: codec.encode(measurement),
                          overwrite: false) else { return false }
        try txn.put(tables.measurementsByPlatformTime,
                    key: keys.measurementByPlatformTime(platform: measurement.platform,
                                                        milliseconds: StoreTime.milliseconds(measurement.storedAt), id: id),
                    value: [ValueCodec.formatVersion])
        try indexByGraph(measurement)
        return true
    }

    /// Adds `measurement` to the `measurements_by_graph` index (what `measurements(ofGraph:)`
    /// looks up), in this same transaction.
    func indexByGraph(_ measurement: LatencyMeasurement) throws {
        guard let table = try measurementsByGraphTable() else {
            throw StoreError.notAStore(path: txn.path, reason: "table '\(Tables.measurementsByGraph)' is missing")
        }
        try txn.put(table, key: keys.measurementByGraph(graphHash: measurement.graphHash, id: measurement.id),
                    value: [ValueCodec.formatVersion])
    }

    /// Stores a network's tokens unless tokens are already stored under the same key (the
    /// first are kept, as for graphs). Returns true when they were new.
    @discardableResult
    public func putTokens(_ record: TokensRecord) throws -> Bool {
        guard let table = try tokensTable() else {
            throw StoreError.notAStore(path: txn.path, reason: "table '\(Tables.tokens)' is missing")
        }
        return try txn.put(table, key: keys.tokens(record.key), value: TokensCodec(codec: codec).encode(record),
                           overwrite: false)
    }

    /// Stores (or replaces) a model version. A record in state `.active` retires the platform's
    /// previously active version in this same transaction.
    public func putModel(_ record: ModelRecord) throws {
        if record.state == .active {
            try retireActive(platform: record.platform, except: record.version)
        }
        try txn.put(tables.models, key: keys.model(platform: record.platform, version: record.version),
                    value: codec.encode(record))
    }

    /// Changes a model's state. Setting `.active` is a promotion: the previously active version
    /// becomes `.retired` in this same transaction, so readers see exactly one active version.
    public func setModelState(platform: String, version: Int, to state: ModelState) throws {
        guard var record = try model(platform: platform, version: version) else {
            throw StoreError.modelNotFound(path: txn.path, platform: platform, version: version)
        }
        record.state = state
        try putModel(record)
    }

    private func retireActive(platform: String, except version: Int) throws {
        for var other in try models(platform: platform) where other.state == .active && other.version != version {
            other.state = .retired
            try txn.put(tables.models, key: keys.model(platform: platform, version: other.version), value: codec.encode(other))
        }
    }

    /// Sets the value of a meta key.
    public func setMeta(_ key: MetaKey, _ value: String) throws {
        try setMeta(key.name, value)
    }

    /// Sets a free meta value by name.
    public func setMeta(_ name: String, _ value: String) throws {
        guard name != SchemaCheck.key else {
            throw StoreError.invalidArgument(path: txn.path, reason: "'\(name)' is reserved for the store's schema version")
        }
        try txn.put(tables.meta, key: keys.meta(name), value: [ValueCodec.formatVersion] + Array(value.utf8))
    }

    /// Removes a free meta value; false when it was not there.
    @discardableResult
    public func removeMeta(_ name: String) throws -> Bool {
        guard name != SchemaCheck.key else {
            throw StoreError.invalidArgument(path: txn.path, reason: "'\(name)' is reserved for the store's schema version")
        }
        return try txn.delete(tables.meta, key: keys.meta(name))
    }
}
