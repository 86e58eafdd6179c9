/// The named databases of a narformer store (layouts in docs/store.md).
struct Tables: Sendable {
    static let graphs = "graphs"
    static let predictions = "predictions"
    static let predictionsByTime = "predictions_by_time"
    static let measurements = "measurements"
    static let measurementsByPlatformTime = "measurements_by_platform_time"
    static let models = "models"
    static let meta = "meta"
    static let all = [graphs, predictions, predictionsByTime, measurements, measurementsByPlatformTime, models, meta]

    let graphs: Database
    let predictions: Database
    let predictionsByTime: Database
    let measurements: Database
    let measurementsByPlatformTime: Database
    let models: Database
    let meta: Database

    /// Opens every table, creating missing ones when `create` (writer, fresh store).
    init(in txn: Transaction, create: Bool) throws {
        func open(_ name: String) throws -> Database {
            guard let database = try txn.openDatabase(name, create: create) else {
                throw StoreError.notAStore(path: txn.path, reason: "table '\(name)' is missing")
            }
            return database
        }
        graphs = try open(Self.graphs)
        predictions = try open(Self.predictions)
        predictionsByTime = try open(Self.predictionsByTime)
        measurements = try open(Self.measurements)
        measurementsByPlatformTime = try open(Self.measurementsByPlatformTime)
        models = try open(Self.models)
        meta = try open(Self.meta)
    }
}
