import ArgumentParser
import Config
import Foundation
import Store

/// `narformer status`: the inboxes and their queues, the store, the models, the daemon.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the inboxes (queue depth), store counts, active models, last retraining, and whether the daemon runs.",
        discussion: "Exit status: 0 when the daemon is running, 3 when it is not (as an init script's status).")

    /// LSB init scripts: `status` exits 3 for "program is not running".
    static let notRunningStatus: Int32 = 3

    @OptionGroup var options: ConfigOption

    @Flag(help: "Print JSON for scripts.")
    var json = false

    @Option(help: ArgumentHelp("Wait up to this many seconds for the daemon to be ready (after `serve` was started).",
                               valueName: "seconds"))
    var wait: Double?

    func validate() throws {
        if let wait, !(wait >= 0 && wait.isFinite) { throw ValidationError("--wait takes a number of seconds, 0 or more") }
    }

    func run() async throws {
        let loaded = try options.load()
        var report = try StatusReport.gather(config: loaded)
        if let wait {
            // A daemon is ready once its status file says so: it writes it after READY=1.
            let deadline = ContinuousClock.now + .milliseconds(Int(wait * 1000))
            while !report.daemonRunning && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                report = try StatusReport.gather(config: loaded)
            }
        }
        if json {
            print(String(decoding: try StoreJSON.encode(report), as: UTF8.self))
        } else {
            print(report.text())
        }
        if !report.daemonRunning { throw ExitCode(Self.notRunningStatus) }
    }
}
