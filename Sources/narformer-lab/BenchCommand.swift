import ArgumentParser

/// `narformer bench ...`: measurements of this machine; each benchmark is a subcommand
/// in its own file.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: the engine, import, the daemon, few-shot learning, retraining under load, latency ablations, the measurement intake, novelty scores.",
        subcommands: [BenchEngineCommand.self, BenchImportCommand.self, BenchDaemonCommand.self, BenchFewShotCommand.self, BenchRetrainLoadCommand.self, BenchLearningCurveCommand.self, BenchAblationsCommand.self, BenchIntakeCommand.self, BenchNoveltyCommand.self, BenchRateFitCommand.self]
    )
}
