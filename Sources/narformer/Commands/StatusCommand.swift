import ArgumentParser
import Config
import Foundation
import Store

/// `narformer status`: the inboxes and their queues, the store, the models, the daemon.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the inboxes (queue depth), store counts, active models, last retraining, and whether the daemon runs.",
        discussion: "Exit status: 0 when the daemon is running, 3 when it is not (as an init script's status).")

    /// LSB init scripts: `status` exits 3 for "program is not running".
    static let notRunningStatus: Int32 = 3

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
        if !report.daemonRunning { throw ExitCode(Self.notRunningStatus) }
    }
}
