import ArgumentParser
import Engine

/// The kernel set is chosen and checked first, as in `narformer`, so the lab measures the
/// kernels the product runs.
@main
enum NarformerLabMain {
    static func main() async {
        _ = BLASKernels.start(program: "narformer-lab")
        await NarformerLab.main()
    }
}

/// The `narformer-lab` executable: benchmarks of this machine and the experiments behind
/// the documented results. It uses the product's libraries; the product never uses it.
struct NarformerLab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "narformer-lab",
        abstract: "Benchmarks and experiments for narformer (not part of the service).",
        version: "0.1.0",
        subcommands: [BenchCommand.self, CellPriorsCommand.self, ReplayAnchorsCommand.self]
    )
}
