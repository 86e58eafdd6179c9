import ArgumentParser
import Engine

/// Chooses and checks OpenBLAS's kernel set before anything else runs (it may restart the
/// process with another set), then parses the command line.
@main
enum NarformerMain {
    static func main() async {
        _ = BLASKernels.start()
        await Narformer.main()
    }
}

/// The `narformer` executable: the daemon (`serve`) and the command-line tools that
/// share its store, config and engine.
struct Narformer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "narformer",
        abstract: "Predicts the latency and accuracy of neural networks (NAR-Former V2).",
        version: "0.1.0",
        subcommands: [
            // Each subcommand lives in its own file under Sources/narformer/Commands.
            ConfigCommand.self,
            InspectCommand.self,
            ServeCommand.self,
            QueryCommand.self,
            ExportCommand.self,
            StatusCommand.self,
            ImportCommand.self,
            RetrainCommand.self,
            ModelsCommand.self,
            TrainCommand.self,
            EvalCommand.self,
            PredictCommand.self,
            SuggestCommand.self,
        ]
    )
}
