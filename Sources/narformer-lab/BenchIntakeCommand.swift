import ArgumentParser
import Config
import Foundation
import Lab
import Learning

/// `narformer-lab bench intake`: what comparing a measurement drop with the serving model
/// costs the daemon's intake.
struct BenchIntakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Time one measurement drop of many records: stored alone, stored and compared with the model, dropped again."
    )

    @Option(help: "The latency list whose batch-1 networks are measured (NNLQP format).")
    var data = "data/latency/gt.txt"

    @Option(help: "Records in the drop (networks of the list, at batch sizes 1, 2, ... once the list is used up).")
    var records = 1000

    @Option(help: "Graphs per registry call (the daemon uses engine.batch_size).")
    var chunk = EngineConfig.defaultBatchSize

    func run() async throws {
        guard let model = DefaultModelLocator().locate(.latency, models: ModelsConfig(directory: "/"), platform: "cpu-ort-1t") else {
            throw ValidationError("the shipped cpu-ort-1t latency model was not found (set NARFORMER_MODELS)")
        }
        let result = try await MeasurementIntakeBenchmark(list: URL(fileURLWithPath: data), records: records, chunk: chunk)
            .run(model: model)
        print("records \(result.records) (\(result.networks) networks), chunk \(chunk), model \(model.lastPathComponent)")
        for (name, timing) in [("stored, not compared:     ", result.withoutComparison),
                               ("stored and compared:      ", result.compared),
                               ("same file again, compared:", result.droppedAgain)] {
            print(String(format: "%@ %.2f s wall, %.2f s CPU", name, timing.wall, timing.cpu))
        }
        print(String(format: "drop MAPE against the model: %.1f%%", result.mape ?? .nan))
    }
}
