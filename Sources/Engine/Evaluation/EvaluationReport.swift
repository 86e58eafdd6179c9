import Foundation

/// What `narformer eval` reports: the overall metrics at the top level of the JSON
/// object (`count`, `mape`, `acc1`, `acc5`, `acc10`, `kendall_tau`, `spearman`) and,
/// when asked for, `per_family` mapping each family to the same fields; baselines
/// scored on the same samples go under `baselines` (e.g. `"flops-mac"`), each a report
/// of its own.
public struct EvaluationReport: Sendable, Equatable, Codable {
    public var overall: EvaluationMetrics
    public var perFamily: [String: EvaluationMetrics]?
    public var baselines: [String: EvaluationReport]?

    public init(overall: EvaluationMetrics, perFamily: [String: EvaluationMetrics]? = nil,
                baselines: [String: EvaluationReport]? = nil) {
        self.overall = overall
        self.perFamily = perFamily
        self.baselines = baselines
    }

    /// Scores predictions (the model's `Float`s or a baseline's `Double`s) against
    /// measurements. With `families` (one per sample), the report also breaks the
    /// metrics down by family.
    public static func evaluate<Prediction: BinaryFloatingPoint>(predicted predictions: [Prediction], measured: [Double],
                                                               families: [String]? = nil) throws -> EvaluationReport {
        var predicted: [Double] = []
        predicted.reserveCapacity(predictions.count)
        for value in predictions { predicted.append(Double(value)) }
        guard predicted.count == measured.count else {
            throw EvaluationError("\(predicted.count) predictions for \(measured.count) measurements")
        }
        guard !measured.isEmpty else { throw EvaluationError("there is nothing to evaluate (no samples)") }
        if let bad = measured.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            throw EvaluationError("measurement \(bad + 1) is \(measured[bad]); relative errors need positive measurements")
        }
        let nonFinite = predicted.filter { !$0.isFinite }.count
        guard nonFinite == 0 else {
            throw EvaluationError("the model produced \(nonFinite) non-finite predictions of \(predicted.count)")
        }
        var report = EvaluationReport(overall: EvaluationMetrics(predicted: predicted, measured: measured))
        if let families {
            guard families.count == measured.count else {
                throw EvaluationError("\(families.count) family names for \(measured.count) measurements")
            }
            var groups: [String: [Int]] = [:]
            for (i, family) in families.enumerated() { groups[family, default: []].append(i) }
            report.perFamily = groups.mapValues { members in
                EvaluationMetrics(predicted: members.map { predicted[$0] }, measured: members.map { measured[$0] })
            }
        }
        return report
    }

    enum CodingKeys: String, CodingKey {
        case perFamily = "per_family"
        case baselines
    }

    public init(from decoder: any Decoder) throws {
        overall = try EvaluationMetrics(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        perFamily = try c.decodeIfPresent([String: EvaluationMetrics].self, forKey: .perFamily)
        baselines = try c.decodeIfPresent([String: EvaluationReport].self, forKey: .baselines)
    }

    public func encode(to encoder: any Encoder) throws {
        try overall.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(perFamily, forKey: .perFamily)
        try c.encodeIfPresent(baselines, forKey: .baselines)
    }

    /// One JSON object, keys sorted so output is stable across runs.
    public func jsonString(pretty: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
