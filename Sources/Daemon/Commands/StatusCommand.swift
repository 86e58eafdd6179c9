import ArgumentParser
import Config
import Foundation
import Store

/// `narformer status`: the inboxes and their queues, the store, the models, the daemon.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the inboxes (queue depth), store counts, active models, last retraining, and whether the daemon runs.")

    @Option(name: .long, help: "The daemon's YAML configuration (default: $NARFORMER_CONFIG or /etc/narformer/narformer.yaml).")
    var config: String = ReaderOptions.defaultConfigFile

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() throws {
        let loaded: NarformerConfig
        do {
            loaded = try NarformerConfig.load(contentsOf: config, checkFileSystem: false)
        } catch {
            throw CommandFailure(description: "the configuration is not usable:\n\(error.description)")
        }
        let report = try StatusReport.gather(config: loaded)
        if json {
            print(String(decoding: try StoreJSON.encode(report), as: UTF8.self))
        } else {
            print(report.text())
        }
    }
}
