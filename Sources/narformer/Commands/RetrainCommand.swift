import ArgumentParser
import Foundation
import Learning

/// `narformer retrain --platform P`: asks the running daemon to retrain a platform now
/// (docs/continual-learning.md), or retrains in this process with `--here`.
struct RetrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Retrain a platform's latency model now: ask the running daemon, or do it here with --here."
    )

    @Option(help: "The platform to retrain.")
    var platform: String

    @OptionGroup var options: ConfigOption

    @Flag(help: "Retrain in this process instead of asking the daemon (when it is not running).")
    var here = false

    @Option(help: "Seconds to wait for the daemon's answer (0: only file the request).")
    var wait: Int = 3600

    func run() async throws {
        let context = try LearningContext(options, readOnly: !here)
        try context.requirePlatform(platform)
        if here {
            let retrainer = Retrainer(store: context.store, settings: context.retrainSettings(), tokens: context.tokens,
                                      registry: nil)
            let report = try await retrainer.retrain(platform: platform)
            print(report.summary)
            if let note = report.weightsRemovalNote { print(note) }
            for problem in report.weightsRemoval.problems { print("warning: \(problem)") }
            return
        }
        let id = try context.control.request(platform: platform)
        print("requested: \(context.control.requestURL(platform: platform).path)")
        guard wait > 0 else { return }
        let deadline = ContinuousClock.now.advanced(by: .seconds(wait))
        while ContinuousClock.now < deadline {
            if let answer = context.control.answer(platform: platform, id: id) {
                print(answer)
                if answer.hasPrefix("failed") { throw ExitCode.failure }
                return
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        print("no answer within \(wait) s; the request stays filed (is the daemon running?)")
        throw ExitCode.failure
    }
}
