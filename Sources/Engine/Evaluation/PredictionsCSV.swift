import Foundation

/// Every scored sample of an evaluation as one CSV row (`id,family,measured,predicted`,
/// plus `baseline` when a baseline was scored): what the summary metrics cannot show,
/// e.g. per-cell residuals for a noise analysis, or an ensemble of two predictors.
public struct PredictionsCSV: Sendable {
    public struct Row: Sendable, Equatable {
        public var id: String
        public var family: String
        public var measured: Double
        public var predicted: Double
        public var baseline: Double?

        public init(id: String, family: String, measured: Double, predicted: Double, baseline: Double? = nil) {
            self.id = id
            self.family = family
            self.measured = measured
            self.predicted = predicted
            self.baseline = baseline
        }
    }

    public var rows: [Row]

    public init(rows: [Row]) { self.rows = rows }

    /// Pairs samples with their predictions (and the baseline's, when given) in order.
    public init(names: [String], families: [String], measured: [Double], predicted: [Double],
                baseline: [Double]? = nil) throws {
        let counts = [names.count, families.count, measured.count, predicted.count] + (baseline.map { [$0.count] } ?? [])
        guard Set(counts).count == 1 else {
            throw EvaluationError("cannot list predictions: \(names.count) samples but \(predicted.count) predictions"
                                  + (baseline.map { " and \($0.count) baseline predictions" } ?? ""))
        }
        rows = names.indices.map { i in
            Row(id: names[i], family: families[i], measured: measured[i], predicted: predicted[i], baseline: baseline?[i])
        }
    }

    /// The CSV text; the `baseline` column appears when any row has one. Numbers are
    /// written at full precision (Swift's shortest round-tripping form).
    public func render() -> String {
        let withBaseline = rows.contains { $0.baseline != nil }
        var lines = [withBaseline ? "id,family,measured,predicted,baseline" : "id,family,measured,predicted"]
        lines.reserveCapacity(rows.count + 1)
        for row in rows {
            var fields = [Self.quoted(row.id), Self.quoted(row.family), "\(row.measured)", "\(row.predicted)"]
            if withBaseline { fields.append(row.baseline.map { "\($0)" } ?? "") }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func write(to url: URL) throws {
        do {
            try Data(render().utf8).write(to: url, options: .atomic)
        } catch {
            throw EvaluationError("\(url.path): cannot write the predictions (\(error.localizedDescription))")
        }
    }

    /// RFC 4180: a field holding a comma, quote or line break is quoted, quotes doubled.
    private static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
