import ArgumentParser
import Config
import Foundation
import Store

/// `narformer status`: the inboxes and their queues, the store, the models, the daemon.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the inboxes (queue depth), store counts, active models, last retraining, and whether the daemon runs.")

    @OptionGroup var options: ConfigOption

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() throws {
        let loaded = try options.load()
        let report = try StatusReport.gather(config: loaded)
        if json {
            print(String(decoding: try StoreJSON.encode(report), as: UTF8.self))
        } else {
            print(report.text())
        }
    }
}
