import ArgumentParser
import Daemon
import Engine
import Foundation
import Lab

/// `narformer bench engine`: training and inference throughput of the paper's latency
/// model on synthetic NNLQP-sized graphs, against this machine's sgemm rate.
struct BenchEngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Training and inference throughput of the latency model, as a share of the sgemm rate."
    )

    @Option(help: "OpenBLAS threads (the engine's own loops are single-threaded).")
    var threads = 1

    @Option(help: "Model seconds per measurement (the sgemm reference runs interleaved for as long).")
    var seconds = 3.0

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: "A python interpreter with torch and numpy: also run the PyTorch implementation of the same model (reference_model.py bench THREADS) before and after, and print the engine's rates as ratios of its.")
    var referencePython: String?

    @Option(help: "reference_model.py (default: ../shared/tools/reference_model.py from the working directory or the repository the binary was built in).")
    var referenceScript: String?

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard seconds > 0, seconds.isFinite else { throw ValidationError("--seconds must be positive") }
    }

    func run() async throws {
        var peer: (python: String, script: String)?
        if let referencePython {
            guard let script = PeerBenchmark.locateScript(
                explicit: referenceScript, currentDirectory: FileManager.default.currentDirectoryPath,
                executable: CommandLine.arguments[0]) else {
                throw ValidationError("reference_model.py not found\(referenceScript.map { " at \($0)" } ?? " (give --reference-script)")")
            }
            peer = (referencePython, script)
        }
        let r = try EngineBenchmark.run(threads: threads, seconds: seconds, peer: peer)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(r), as: UTF8.self))
            return
        }
        func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
        print("""
            engine benchmark: paper latency config (\(r.config.inDim) -> \(r.config.hidden), \(r.config.layers) blocks), \
            \(r.threads) thread(s)
            synthetic graphs: mean \(f(r.meanNodes)) nodes, \(f(r.meanDirectedEdges)) directed edges
            BLAS kernels:           \(r.blas.description)
            sgemm 2400x512x512:     \(f(r.sgemmGFLOPS)) GFLOP/s
            training, batch 16:     \(f(r.trainingGraphsPerSecond)) graphs/s, \(f(r.trainingGFLOPS)) GFLOP/s = \(f(100 * r.trainingShare))% of sgemm
            inference, batch 1:     \(f(r.inferenceBatch1GraphsPerSecond)) graphs/s, \(f(r.inferenceBatch1GFLOPS)) GFLOP/s = \(f(100 * r.inferenceBatch1Share))% of sgemm
            inference, batch 16:    \(f(r.inferenceBatch16GraphsPerSecond)) graphs/s, \(f(r.inferenceBatch16GFLOPS)) GFLOP/s = \(f(100 * r.inferenceBatch16Share))% of sgemm
            """)
        if let p = r.peer {
            let runs = p.runs.map { "\(f($0.trainingGraphsPerSecond)) / \(f($0.inferenceGraphsPerSecond))" }.joined(separator: ", ")
            print("""
                PyTorch \(p.runs.first?.torchVersion ?? "?") (\(p.runs.first?.threads ?? r.threads) thread(s), mean \(f(p.runs.first?.meanNodes ?? 0)) nodes), runs before/after, training / inference graphs/s: \(runs)
                training vs PyTorch:    \(f(p.trainingRatio, 2))x (\(f(r.trainingGraphsPerSecond)) vs \(f(p.trainingGraphsPerSecond)) graphs/s)
                inference b1 vs PyTorch: \(f(p.inferenceBatch1Ratio, 2))x (\(f(r.inferenceBatch1GraphsPerSecond)) vs \(f(p.inferenceGraphsPerSecond)) graphs/s)
                """)
        }
    }
}
