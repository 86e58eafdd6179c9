import ArgumentParser
import Foundation
import Lab

/// `narformer bench retrain-load`: does a retrain slow predictions down?
struct BenchRetrainLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain-load",
        abstract: "Predict-and-store latency p50/p99, idle and during a retrain at its nice value."
    )

    @Option(help: "The retrain's nice value.")
    var nice = 10

    @Option(help: "Predictions measured in each phase.")
    var samples = 300

    func run() async throws {
        let result = try await RetrainLoadProbe(samples: samples, nice: nice)
            .run(workDirectory: FileManager.default.temporaryDirectory)
        print(String(format: "idle:            p50 %.3f ms  p99 %.3f ms", result.idleP50, result.idleP99))
        print(String(format: "during retrain:  p50 %.3f ms  p99 %.3f ms  (%d predictions)", result.busyP50, result.busyP99,
                     result.busySamples))
        print(String(format: "p99 ratio: %.2f", result.busyP99 / result.idleP99))
        print("retrain: \(result.retrain)")
    }
}
