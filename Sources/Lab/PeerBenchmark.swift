import Foundation

/// One run of the PyTorch implementation of the same model (`reference_model.py bench
/// THREADS`, kept with the project's shared tools): the peer that `bench engine` compares
/// the engine with. It prints one JSON line; this is that line.
public struct PeerBenchmarkRun: Codable, Sendable, Equatable {
    public var threads: Int
    /// Mean nodes of its graphs (its sizes are uniform in 40...320; the engine's differ a little).
    public var meanNodes: Double
    public var trainingGraphsPerSecond: Double
    public var inferenceGraphsPerSecond: Double
    public var torchVersion: String?

    package init(threads: Int, meanNodes: Double, trainingGraphsPerSecond: Double, inferenceGraphsPerSecond: Double,
                 torchVersion: String?) {
        self.threads = threads
        self.meanNodes = meanNodes
        self.trainingGraphsPerSecond = trainingGraphsPerSecond
        self.inferenceGraphsPerSecond = inferenceGraphsPerSecond
        self.torchVersion = torchVersion
    }

    package enum CodingKeys: String, CodingKey {
        case threads, meanNodes = "mean_nodes", trainingGraphsPerSecond = "train_graphs_per_s"
        case inferenceGraphsPerSecond = "infer_graphs_per_s", torchVersion = "torch"
    }
}

/// What `bench engine --reference-python` reports: the peer's runs (one before and one
/// after the engine's measurements, so both see the machine's load) and the engine's rates
/// divided by the peer's mean.
public struct PeerComparison: Codable, Sendable, Equatable {
    public var python: String
    public var script: String
    public var runs: [PeerBenchmarkRun]
    public var trainingGraphsPerSecond: Double
    public var inferenceGraphsPerSecond: Double
    /// Engine training graphs/s (batch 16) over the peer's.
    public var trainingRatio: Double
    /// Engine inference graphs/s at batch 1 over the peer's (which predicts one graph at a time).
    public var inferenceBatch1Ratio: Double
}

public enum PeerBenchmark {
    public static let scriptName = "reference_model.py"

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The script: `explicit` when given; else `tools/reference_model.py` in a `shared`
    /// folder beside the working directory or beside the repository the executable was built
    /// in (`.build/<configuration>/narformer` -> `../../../shared`), or in the working
    /// directory's own `shared`. Nil when none exists.
    public static func locateScript(explicit: String?, currentDirectory: String, executable: String,
                                    exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String? {
        if let explicit { return exists(explicit) ? explicit : nil }
        let exeDirectory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        let candidates = [
            URL(fileURLWithPath: currentDirectory).appendingPathComponent("../shared/tools/\(scriptName)"),
            URL(fileURLWithPath: currentDirectory).appendingPathComponent("shared/tools/\(scriptName)"),
            exeDirectory.appendingPathComponent("../../../shared/tools/\(scriptName)"),
        ].map { $0.standardizedFileURL.path }
        return candidates.first(where: exists)
    }

    /// Runs `python script bench threads` and parses its last JSON line. The child inherits
    /// this process's CPU affinity, so under `taskset -c N` both run on the same core; its
    /// math libraries are held to `threads` threads.
    public static func run(python: String, script: String, threads: Int) throws -> PeerBenchmarkRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "bench", String(threads)]
        var environment = ProcessInfo.processInfo.environment
        for name in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"] { environment[name] = String(threads) }
        process.environment = environment
        // Its error output goes straight to ours: a failure explains itself there.
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        do { try process.run() } catch {
            throw Failure(description: "cannot run \(python): \(error.localizedDescription)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stdout = String(decoding: data, as: UTF8.self)
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw Failure(description: "\(python) \(script) bench \(threads) failed (status \(process.terminationStatus)); its error output is above")
        }
        return try parse(output: stdout)
    }

    /// The last line of `output` that is a JSON object with the fields of `PeerBenchmarkRun`.
    public static func parse(output: String) throws -> PeerBenchmarkRun {
        for line in output.split(whereSeparator: \.isNewline).reversed() where line.hasPrefix("{") {
            if let run = try? JSONDecoder().decode(PeerBenchmarkRun.self, from: Data(line.utf8)) { return run }
        }
        throw Failure(description: "the reference benchmark printed no result line (a JSON object with train_graphs_per_s and infer_graphs_per_s)")
    }

    /// The comparison of an engine report's rates with the peer's runs.
    public static func compare(python: String, script: String, runs: [PeerBenchmarkRun],
                               trainingGraphsPerSecond: Double, inferenceBatch1GraphsPerSecond: Double) -> PeerComparison {
        let training = runs.map(\.trainingGraphsPerSecond).reduce(0, +) / Double(max(runs.count, 1))
        let inference = runs.map(\.inferenceGraphsPerSecond).reduce(0, +) / Double(max(runs.count, 1))
        return PeerComparison(python: python, script: script, runs: runs, trainingGraphsPerSecond: training,
                              inferenceGraphsPerSecond: inference,
                              trainingRatio: training > 0 ? trainingGraphsPerSecond / training : 0,
                              inferenceBatch1Ratio: inference > 0 ? inferenceBatch1GraphsPerSecond / inference : 0)
    }
}
