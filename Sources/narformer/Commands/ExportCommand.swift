import ArgumentParser
import Config
import Daemon
import Foundation
import Learning
import Store

/// `narformer export`: predictions as JSON lines or CSV on stdout, for nightly pipelines.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write stored predictions (or measurements) to stdout (JSON lines or CSV), oldest first.",
        discussion: "--kind measurements writes the measurements instead, each beside the stored prediction it is "
            + "compared with; --since then counts from when the store received them.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl, csv
    }

    enum Kind: String, CaseIterable {
        case latency, accuracy, measurements

        var predictionKind: PredictionKind? {
            switch self {
            case .latency: .latencyMs
            case .accuracy: .accuracy
            case .measurements: nil
            }
        }
    }

    @Option(help: "Only predictions made at or after this time: ISO 8601 (2026-11-29T18:00:00Z) or a duration back from now (24h, 30m, 7d).")
    var since: String?

    @Option(help: "Only this platform.")
    var platform: String?

    @Option(help: "jsonl or csv.")
    var format: Format = .jsonl

    @Option(help: "Only latency or only accuracy predictions, or the measurements (latency, accuracy, measurements).")
    var kind: String?

    @OptionGroup var location: StoreOptions

    /// Predictions read per read transaction: memory stays bounded however large the store.
    static let pageSize = 4096

    func validate() throws {
        if let since, TimeArgument.parse(since) == nil {
            throw ValidationError("--since '\(since)' is neither an ISO 8601 time (2026-11-29T18:00:00Z) nor a duration (24h)")
        }
    }

    func run() throws {
        // An unknown platform or kind is an error, not an empty export a pipeline would take
        // for "nothing new".
        let kindFilter = try kind.map { name in
            guard let known = Kind(rawValue: name) else {
                throw CommandFailure("unknown kind '\(name)': use latency, accuracy or measurements")
            }
            return known
        }
        let config = try location.loadConfig()
        if let platform, let config, config.platform(named: platform) == nil {
            throw CommandFailure("platform '\(platform)' is not in the config (known: "
                                 + config.platforms.map(\.name).joined(separator: ", ") + ")")
        }
        let store = try location.openStore(config)
        let start = since.flatMap { TimeArgument.parse($0) } ?? Date(timeIntervalSince1970: 0)
        var output = BufferedOutput()
        var comparison = MeasurementComparison(store: store, models: config?.models ?? ModelsConfig(directory: ""))
        if kindFilter == .measurements {
            try exportMeasurements(store: store, since: start, comparison: &comparison, into: &output)
            output.flush()
            return
        }
        if format == .csv { output.write(ExportRow.csvHeader + "\n") }
        var join = ExportJoin(store: store)
        try PredictionPager(store: store, since: start, pageSize: Self.pageSize).forEach { prediction in
            if let platform, prediction.platform != platform { return }
            if let kind = kindFilter?.predictionKind, prediction.kind != kind { return }
            var row = try join.row(prediction)
            row.note = try comparison.note(of: prediction)
            try write(row, csv: row.csvLine, into: &output)
        }
        output.flush()
    }

    /// Measurements platform by platform, each in the order the store received them.
    private func exportMeasurements(store: NarformerStore, since start: Date, comparison: inout MeasurementComparison,
                                    into output: inout BufferedOutput) throws {
        if format == .csv { output.write(MeasurementRow.csvHeader + "\n") }
        let platforms = try platform.map { [$0] } ?? store.read { try $0.measuredPlatforms() }
        for platform in platforms {
            try MeasurementPager(store: store, platform: platform, since: start, pageSize: Self.pageSize).forEach { m in
                let row = try comparison.row(m)
                try write(row, csv: row.csvLine, into: &output)
            }
        }
    }

    private func write(_ row: some Encodable, csv: String, into output: inout BufferedOutput) throws {
        switch format {
        case .jsonl: output.write(String(decoding: try StoreJSON.encode(row, pretty: false), as: UTF8.self) + "\n")
        case .csv: output.write(csv + "\n")
        }
    }
}
