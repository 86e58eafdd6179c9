import ArgumentParser
import Config
import Foundation
import Learning
import Store

/// `narformer suggest --platform P`: the stored networks of a platform worth measuring
/// next, most useful first, with the reason for each; `--format yaml` writes them as a
/// measurement drop for the lab to fill in.
struct SuggestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggest",
        abstract: "List the stored networks of a platform to measure next, most useful first.",
        discussion: """
            Candidates are networks predicted for the platform and not measured on it. Each pick \
            is the network that brings the unmeasured networks closest to a measured or picked one, \
            in sizes (FLOPs, parameters, memory traffic) and op mixes, each network counting by its \
            novelty (how far it lies from what the serving model was trained on): picks spread over \
            what the lab drops, novel networks first, and a network like one picked already gains \
            little. --format yaml writes a \
            measurement file: fill in every latency_ms and drop it into the platform's inbox.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, yaml
    }

    @Option(help: "The platform.")
    var platform: String

    @Option(help: "How many networks.")
    var count = 10

    @Option(help: "Stop before the picks' predicted latencies add up to more than this many milliseconds.")
    var budgetMs: Double?

    @Option(help: "text, json or yaml (a measurement template).")
    var format: Format = .text

    @OptionGroup var location: StoreOptions

    func validate() throws {
        if count < 1 { throw ValidationError("--count must be at least 1") }
        if let budgetMs, !(budgetMs > 0 && budgetMs.isFinite) { throw ValidationError("--budget-ms must be a positive number") }
    }

    func run() throws {
        let config = try location.loadConfig()
        if let config, config.platform(named: platform) == nil {
            throw CommandFailure("platform '\(platform)' is not in the config (known: "
                                 + config.platforms.map(\.name).joined(separator: ", ") + ")")
        }
        let store = try location.openStore(config)
        let planner = try CommandFailure.wrap { try SuggestionPlanner.load(store: store, platform: platform) }
        let picks = planner.plan(count: count, budgetMs: budgetMs)
        let files = try store.read { reader in
            try picks.map { try reader.graph(hash: $0.candidate.graphHash)?.sourceFileName ?? "" }
        }
        var output = BufferedOutput()
        switch format {
        case .text:
            output.write("\(picks.count) of \(planner.candidates.count) unmeasured networks of \(platform) "
                         + "(\(planner.measured.count) measured):\n")
            for (rank, (pick, file)) in zip(picks, files).enumerated() {
                output.write(String(format: "%3d  %@  %@  %.3f ms  %@\n", rank + 1, String(pick.candidate.graphHash.prefix(12)),
                                    file, pick.candidate.predictedMs, pick.reason))
            }
        case .json:
            for (rank, (pick, file)) in zip(picks, files).enumerated() {
                let line = SuggestionLine(rank: rank + 1, graphHash: pick.candidate.graphHash, file: file,
                                          batchSize: pick.candidate.batchSize, predictedLatencyMs: pick.candidate.predictedMs,
                                          modelVersion: pick.candidate.modelVersion, novelty: pick.candidate.novelty,
                                          noveltyReason: pick.candidate.noveltyReason, reason: pick.reason)
                output.write(String(decoding: try StoreJSON.encode(line, pretty: false), as: UTF8.self) + "\n")
            }
        case .yaml:
            output.write(MeasurementTemplate.yaml(platform: platform, picks: picks, files: files))
        }
        output.flush()
    }
}

/// One line of `narformer suggest --format json`.
struct SuggestionLine: Encodable {
    var rank: Int
    var graphHash: String
    var file: String
    var batchSize: Int
    var predictedLatencyMs: Double
    var modelVersion: Int
    var novelty: Double?
    var noveltyReason: String?
    var reason: String
}
