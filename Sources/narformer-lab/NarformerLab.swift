import ArgumentParser

/// The `narformer-lab` executable: benchmarks of this machine and the experiments behind
/// the documented results. It uses the product's libraries; the product never uses it.
@main
struct NarformerLab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "narformer-lab",
        abstract: "Benchmarks and experiments for narformer (not part of the service).",
        version: "0.1.0",
        subcommands: [BenchCommand.self]
    )
}
