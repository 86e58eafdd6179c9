import ArgumentParser
import Engine
import Foundation
import Store

/// `narformer eval`: scores a model (the shipped default of the data set's kind when
/// none is given) on a data set, optionally beside a least-squares baseline fitted on
/// the rest of the file.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a model on a latency list or a NAS-Bench-201 CSV: MAPE, Acc(1/5/10%), Kendall's tau, Spearman's rho."
    )

    @Option(help: "The checkpoint (default: the shipped model of the data set's kind).")
    var model: String?

    @Option(help: "The data: a latency list (NNLQP format) or a NAS-Bench-201 CSV.")
    var data: String

    @Flag(help: "Print one JSON object.")
    var json = false

    @Option(help: "Write a predicted-vs-measured scatter plot (SVG) here.")
    var plot: String?

    @Option(help: "Write every sample's id, family, measured and predicted value (and the baseline's) to this CSV.")
    var predictions: String?

    @Option(help: "Break the metrics down: family (or device, for cells on devices).")
    var by: String?

    @Option(help: "Also score a baseline fitted on the samples not selected: flops-mac or nb201-ops.")
    var baseline: String?

    @Option(help: "OpenBLAS threads.")
    var threads = 1

    @OptionGroup var selection: DatasetSelectionOptions

    func validate() throws {
        if let by, by != "family" { throw ValidationError("--by accepts only 'family'") }
        if let baseline, BaselineKind(rawValue: baseline) == nil {
            throw ValidationError("--baseline must be one of: \(BaselineKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        BLASThreads.set(threads)
        let dataURL = URL(fileURLWithPath: data)
        let chosen = try selection.selection(side: .test)
        let trained = try CommandFailure.wrap {
            if let model { return try TrainedModel.load(from: URL(fileURLWithPath: model)) }
            return try DefaultModels.load(chosen.defaultKind(for: dataURL))
        }
        // Whole networks and cells get the tokens the checkpoint was trained on.
        var dataSelection = chosen
        if DatasetSelection.isNB201(dataURL) {
            dataSelection.cellEncoding = CellEncoding(storedName: trained.metadata.tokenEncoding) ?? .trans
        } else {
            guard let encoding = TokenEncoding(storedName: trained.metadata.tokenEncoding) else {
                throw CommandFailure("the model reads tokens '\(trained.metadata.tokenEncoding)', which no whole-network encoding makes; \(data) is a latency list")
            }
            dataSelection.encoding = encoding
        }
        let (test, rest) = try CommandFailure.wrap {
            try dataSelection.load(dataURL, cache: TokenCache(encoding: dataSelection.encoding.storedName))
        }
        guard trained.metadata.tokenEncoding.isEmpty || trained.metadata.tokenEncoding == test.encoding else {
            throw CommandFailure("the model reads tokens '\(trained.metadata.tokenEncoding)' but \(data) gives '\(test.encoding)' (for a model over devices pass the same --target)")
        }
        let families = by == nil ? nil : test.families
        let predicted = try CommandFailure.wrap { try trained.predictValues(test.graphs) }
        let report = try CommandFailure.wrap { try EvaluationReport.evaluate(predicted: predicted, measured: test.targets, families: families) }
        var baselineReport: EvaluationReport?
        var baselineValues: [Double]?
        if let name = baseline, let kind = BaselineKind(rawValue: name) {
            let values = try CommandFailure.wrap { try kind.predictions(fit: rest, test: test) }
            baselineValues = values
            baselineReport = try CommandFailure.wrap {
                try EvaluationReport.evaluate(predicted: values, measured: test.targets, families: families)
            }
        }
        if let predictions {
            try CommandFailure.wrap {
                try PredictionsCSV(names: test.samples.map(\.name), families: test.families, measured: test.targets,
                                   predicted: predicted, baseline: baselineValues)
                    .write(to: URL(fileURLWithPath: predictions))
            }
        }
        if let plot {
            let unit = trained.kind == .latency ? "latency (ms)" : "accuracy (%)"
            let points = zip(predicted, test.samples).map { ScatterPlotSVG.Point(measured: $1.target, predicted: $0, family: $1.family) }
            let name = model.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "default \(trained.kind.rawValue) model"
            try CommandFailure.wrap {
                try ScatterPlotSVG(title: "\(name) on \(dataURL.lastPathComponent)", points: points, metrics: report.overall,
                                   xLabel: "measured \(unit)", yLabel: "predicted \(unit)").write(to: URL(fileURLWithPath: plot))
            }
        }
        if json {
            var object = try Self.object(report)
            object["model_version"] = trained.version
            if let baselineReport, let baseline {
                var b = try Self.object(baselineReport)
                b["name"] = baseline
                b["fit_count"] = rest.count
                object["baseline"] = b
            }
            let text = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: text, as: UTF8.self))
            return
        }
        print("model \(model ?? "default \(trained.kind.rawValue) model") (version \(trained.version)) on \(data): \(test.count) samples")
        print(MetricsTable.render(report, overallLabel: "model"), terminator: "")
        if let baselineReport, let baseline {
            print("baseline \(baseline), fitted on the other \(rest.count) samples of the file:")
            print(MetricsTable.render(baselineReport, overallLabel: baseline), terminator: "")
        }
    }

    static func object(_ report: EvaluationReport) throws -> [String: Any] {
        let data = try StoreJSON.encode(report, pretty: false)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }
}
