/// The named databases of a narformer store (layouts in docs/store.md).
struct Tables: Sendable {
    static let graphs = "graphs"
    static let predictions = "predictions"
    static let predictionsByTime = "predictions_by_time"
    static let measurements = "measurements"
    static let measurementsByPlatformTime = "measurements_by_platform_time"
    static let measurementsByGraph = "measurements_by_graph"
    static let models = "models"
    static let tokens = "tokens"
    static let meta = "meta"
    static let all = [graphs, predictions, predictionsByTime, measurements, measurementsByPlatformTime, measurementsByGraph,
                      models, tokens, meta]
    /// The schema version each table came with (the others were there from version 1).
    static let introducedIn: [String: UInt32] = [tokens: 2, measurementsByGraph: 3]

    /// The tables a store of version `schema` does not have yet.
    static func introduced(after schema: UInt32) -> Set<String> {
        Set(introducedIn.filter { $0.value > schema }.keys)
    }

    let graphs: Database
    let predictions: Database
    let predictionsByTime: Database
    let measurements: Database
    let measurementsByPlatformTime: Database
    /// nil only in a reader of a store older than version 3 (see `StoreReader.measurements(ofGraph:)`).
    let measurementsByGraph: Database?
    let models: Database
    /// nil only in a reader of a schema-1 store (no tokens table yet; see `StoreReader.tokens`).
    let tokens: Database?
    let meta: Database

    /// Opens every table of a store of version `schema`, creating those named in `creating`
    /// (a writer: all of them in a fresh store, the new ones in an upgrade). A table that
    /// came after `schema` may be missing (a reader of an older store).
    init(in txn: Transaction, schema: UInt32, creating: Set<String> = []) throws {
        func open(_ name: String) throws -> Database? {
            if let database = try txn.openDatabase(name, create: creating.contains(name)) { return database }
            guard Self.introduced(after: schema).contains(name) else {
                throw StoreError.notAStore(path: txn.path, reason: "table '\(name)' is missing")
            }
            return nil
        }
        func required(_ name: String) throws -> Database {
            guard let database = try open(name) else {
                throw StoreError.notAStore(path: txn.path, reason: "table '\(name)' is missing")
            }
            return database
        }
        graphs = try required(Self.graphs)
        predictions = try required(Self.predictions)
        predictionsByTime = try required(Self.predictionsByTime)
        measurements = try required(Self.measurements)
        measurementsByPlatformTime = try required(Self.measurementsByPlatformTime)
        measurementsByGraph = try open(Self.measurementsByGraph)
        models = try required(Self.models)
        tokens = try open(Self.tokens)
        meta = try required(Self.meta)
    }
}
