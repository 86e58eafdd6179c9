import Config
import Foundation
import Learning
import Store

/// One measurement as `narformer query` and `narformer export --kind measurements` show
/// it: what was measured, where it came from, and the stored prediction it is compared
/// with. docs/export-measurements.schema.json describes it; the CSV columns are the same
/// names in this order.
struct MeasurementRow: Encodable {
    var id: String
    var graphHash: String
    var platform: String
    var batchSize: Int
    var latencyMs: Double
    /// nil when the lab did not say when it measured.
    var measuredAt: Date?
    var storedAt: Date
    /// Where the number came from (the record's `device`, the inbox, or the imported list).
    var source: String
    /// The file the measurement arrived in; nil for measurements stored by earlier versions.
    var file: String?
    /// The file name the measured graph first arrived as.
    var networkFile: String?
    var predictedLatencyMs: Double?
    var modelVersion: Int?
    /// (predicted - measured) / measured.
    var relativeError: Double?
    /// Set when the prediction was made with another platform's model.
    var note: String?

    static let csvHeader = "id,graph_hash,platform,batch_size,latency_ms,measured_at,stored_at,source,file,network_file,"
        + "predicted_latency_ms,model_version,relative_error,note"

    var csvLine: String {
        return [id, graphHash, platform, "\(batchSize)", "\(latencyMs)", measuredAt.map(StoreJSON.timestamp) ?? "",
                StoreJSON.timestamp(storedAt), ExportRow.quoted(source), ExportRow.quoted(file ?? ""),
                ExportRow.quoted(networkFile ?? ""), ExportRow.number(predictedLatencyMs), modelVersion.map { "\($0)" } ?? "",
                ExportRow.number(relativeError), ExportRow.quoted(note ?? "")].joined(separator: ",")
    }
}

/// Joins measurements with the prediction they are compared with: on the same graph,
/// platform and batch size, the one made by the platform's active version (the default
/// model, version 0, when none is active), else the one of the highest version stored.
struct MeasurementComparison {
    let store: NarformerStore
    private var uncalibrated: UncalibratedLookup
    private var activeVersions: [String: Int] = [:]

    init(store: NarformerStore, models: ModelsConfig) {
        self.store = store
        uncalibrated = UncalibratedLookup(store: store, models: models)
    }

    /// `predictions`: the graph's stored predictions when the caller read them already.
    mutating func row(_ m: LatencyMeasurement, predictions known: [Prediction]? = nil) throws -> MeasurementRow {
        let predictions = try known ?? store.read { try $0.predictions(ofGraph: m.graphHash) }
        let candidates = predictions.filter { $0.platform == m.platform && $0.batchSize == m.batchSize && $0.kind == .latencyMs }
        let active = try activeVersion(m.platform)
        let compared = candidates.first { $0.modelVersion == active } ?? candidates.max { $0.modelVersion < $1.modelVersion }
        // Read per row, not cached: an export's memory stays bounded whatever the store holds.
        let networkFile = try store.read { try $0.graph(hash: m.graphHash)?.sourceFileName }
        return MeasurementRow(
            id: m.id, graphHash: m.graphHash, platform: m.platform, batchSize: m.batchSize, latencyMs: m.latencyMs,
            measuredAt: m.measuredAtIsUnknown ? nil : m.measuredAt, storedAt: m.storedAt, source: m.source, file: m.file,
            networkFile: networkFile, predictedLatencyMs: compared?.value,
            modelVersion: compared?.modelVersion, relativeError: compared.map { m.relativeError(of: $0.value) },
            note: try compared.flatMap { try uncalibrated.note(platform: m.platform, modelVersion: $0.modelVersion) })
    }

    /// The note of a stored prediction (nil when calibrated).
    mutating func note(of prediction: Prediction) throws -> String? {
        guard prediction.kind == .latencyMs else { return nil }
        return try uncalibrated.note(platform: prediction.platform, modelVersion: prediction.modelVersion)
    }

    private mutating func activeVersion(_ platform: String) throws -> Int {
        if let known = activeVersions[platform] { return known }
        let version = try store.read { try $0.activeModel(platform: platform)?.version } ?? 0
        activeVersions[platform] = version
        return version
    }
}
