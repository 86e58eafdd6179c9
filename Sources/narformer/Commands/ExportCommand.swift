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
        abstract: "Write stored predictions to stdout (JSON lines or CSV), oldest first.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl, csv
    }

    enum Kind: String, CaseIterable {
        case latency, accuracy

        var predictionKind: PredictionKind { self == .latency ? .latencyMs : .accuracy }
    }

    @Option(help: "Only predictions made at or after this time: ISO 8601 (2026-11-29T18:00:00Z) or a duration back from now (24h, 30m, 7d).")
    var since: String?

    @Option(help: "Only this platform.")
    var platform: String?

    @Option(help: "jsonl or csv.")
    var format: Format = .jsonl

    @Option(help: "Only latency or only accuracy predictions.")
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
                throw CommandFailure("unknown kind '\(name)': use latency or accuracy")
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
        if format == .csv { output.write(ExportRow.csvHeader + "\n") }
        var join = ExportJoin(store: store)
        try PredictionPager(store: store, since: start, pageSize: Self.pageSize).forEach { prediction in
            if let platform, prediction.platform != platform { return }
            if let kindFilter, prediction.kind != kindFilter.predictionKind { return }
            let row = try join.row(prediction)
            switch format {
            case .jsonl: output.write(String(decoding: try StoreJSON.encode(row, pretty: false), as: UTF8.self) + "\n")
            case .csv: output.write(row.csvLine + "\n")
            }
        }
        output.flush()
    }
}
