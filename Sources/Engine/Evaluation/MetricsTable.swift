import Foundation

/// Renders metrics as an aligned plain-text table for terminals and logs:
///
///     group      count   MAPE  Acc1%  Acc5%  Acc10%    tau    rho
///     all          144  9.87%   7.6%  36.1%   61.8%  0.912  0.981
public enum MetricsTable {
    /// One row per (label, metrics), in the given order.
    public static func render(_ rows: [(label: String, metrics: EvaluationMetrics)]) -> String {
        let header = ["group", "count", "MAPE", "Acc1%", "Acc5%", "Acc10%", "tau", "rho"]
        let body = rows.map { row -> [String] in
            let m = row.metrics
            return [row.label, String(m.count), percent(m.mape, digits: 2), percent(m.acc1, digits: 1),
                    percent(m.acc5, digits: 1), percent(m.acc10, digits: 1), number(m.kendallTau), number(m.spearman)]
        }
        let all = [header] + body
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { cells in
            cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell // labels left, numbers right
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// The overall row first, then the families alphabetically, then each baseline's
    /// overall row (labelled by its name) for comparison on the same samples.
    public static func render(_ report: EvaluationReport, overallLabel: String = "all") -> String {
        var rows = [(label: overallLabel, metrics: report.overall)]
        for family in (report.perFamily ?? [:]).keys.sorted() {
            if let metrics = report.perFamily?[family] { rows.append((family, metrics)) }
        }
        for name in (report.baselines ?? [:]).keys.sorted() {
            if let baseline = report.baselines?[name] { rows.append((name, baseline.overall)) }
        }
        return render(rows)
    }

    static func percent(_ fraction: Double, digits: Int) -> String {
        fraction.isFinite ? String(format: "%.\(digits)f%%", fraction * 100) : "-"
    }

    static func number(_ value: Double) -> String {
        value.isFinite ? String(format: "%.3f", value) : "-"
    }
}
