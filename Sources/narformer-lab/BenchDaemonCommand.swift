import ArgumentParser
import Config
import Engine
import Foundation
import Glibc
import Lab
import Learning
import Store

/// `narformer bench daemon`: a real daemon process on a scratch config; a burst of ONNX
/// drops (files/s), then one drop at a time with the daemon idle (drop-to-result latency),
/// optionally a big burst watching the daemon's resident memory.
struct BenchDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Files/s of a burst of ONNX drops into a running daemon, idle drop-to-result latency, memory over a big burst.")

    @Option(help: "Files in the throughput burst.")
    var files = 1000

    @Option(help: "Drops timed one at a time with the daemon idle.")
    var idle = 200

    @Option(help: "Files in the memory burst (0 skips it; 10000 is the issue's figure).")
    var memoryFiles = 0

    @Option(help: "engine.threads of the daemon (OpenBLAS threads).")
    var threads = 2

    @Option(help: "Folder searched (recursively) for .onnx files to drop (default: data/latency/onnx of the repository).")
    var data: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard files >= 1, idle >= 1, memoryFiles >= 0, threads >= 1 else {
            throw ValidationError("--files and --idle must be at least 1, --memory-files at least 0, --threads at least 1")
        }
    }

    func run() async throws {
        guard let executable = DaemonProcess.locateExecutable() else {
            throw BenchDaemonError("no narformer executable next to narformer-lab; build both with `make bench`")
        }
        let sources = try onnxFiles()
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let (modelFile, modelNote) = try latencyModel(in: scratch.path)
        let inbox = scratch.path + "/inbox"
        let configFile = scratch.path + "/bench.yaml"
        try """
            store: { path: \(scratch.path)/store }
            models: { directory: \(scratch.path)/models, default_latency: \(modelFile) }
            engine: { threads: \(threads) }
            platforms: [{ name: bench }]
            inboxes: [{ name: bench, path: \(inbox), platform: bench, batch_sizes: [1], accept: [onnx] }]
            logging: { level: warning }
            """.write(toFile: configFile, atomically: true, encoding: .utf8)
        let stage = scratch.path + "/stage"
        try FileManager.default.createDirectory(atPath: stage, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)

        let daemon = try DaemonProcess(executable: executable, config: configFile, logFile: scratch.path + "/daemon.log")
        defer { daemon.kill() }
        // The first drop also tells that the daemon is up (models loaded, inbox watched).
        let warmup = try stageFiles(sources, count: 1, prefix: "warmup", in: stage)
        try dropAndWait(warmup[0], stage: stage, inbox: inbox, timeout: .seconds(120))

        let burstNames = try stageFiles(sources, count: files, prefix: "burst", in: stage)
        let burstStart = ContinuousClock.now
        for name in burstNames { try move(stage + "/" + name, inbox + "/" + name) }
        try waitForFiled(inbox: inbox, count: files + 1, timeout: .seconds(Double(files) + 60))
        let burstSeconds = Self.seconds(ContinuousClock.now - burstStart)
        let results = readResults(inbox: inbox, names: burstNames)

        var latencies: [Double] = []
        let idleNames = try stageFiles(sources, count: idle, prefix: "idle", in: stage, offset: files)
        for name in idleNames {
            try await Task.sleep(for: .milliseconds(20))
            let start = ContinuousClock.now
            try dropAndWait(name, stage: stage, inbox: inbox, timeout: .seconds(30))
            latencies.append(Self.seconds(ContinuousClock.now - start) * 1000)
        }
        latencies.sort()

        var memory: BenchDaemonReport.Memory?
        if memoryFiles > 0 {
            let names = try stageFiles(sources, count: memoryFiles, prefix: "memory", in: stage)
            let before = daemon.residentBytes ?? 0
            var samples: [Int] = []
            let already = files + 1 + idle
            for name in names { try move(stage + "/" + name, inbox + "/" + name) }
            let deadline = ContinuousClock.now + .seconds(Double(memoryFiles) + 120)
            while filedCount(inbox: inbox) < already + memoryFiles {
                guard ContinuousClock.now < deadline else { throw BenchDaemonError("the memory burst did not finish in time") }
                if let rss = daemon.residentBytes { samples.append(rss) }
                try await Task.sleep(for: .milliseconds(100))
            }
            let after = daemon.residentBytes ?? 0
            let firstHalfPeak = samples.prefix(samples.count / 2).max() ?? before
            let peak = samples.max() ?? after
            memory = .init(files: memoryFiles, rssBeforeMiB: Self.mib(before), rssPeakFirstHalfMiB: Self.mib(firstHalfPeak),
                           rssPeakMiB: Self.mib(peak), rssAfterMiB: Self.mib(after),
                           bounded: Double(peak) <= Double(firstHalfPeak) * 1.1 + 16 * 1048576)
        }
        daemon.send(SIGTERM)
        _ = daemon.waitForExit(timeout: .seconds(30))

        let report = BenchDaemonReport(
            model: modelNote, threads: threads, files: files, failed: results.failed,
            distinctHashes: results.hashes, meanNodes: results.meanNodes,
            filesPerSecond: Double(files) / burstSeconds, burstSeconds: burstSeconds,
            idleDrops: idle, idleP50Ms: Self.percentile(latencies, 0.5), idleP99Ms: Self.percentile(latencies, 0.99),
            idleMaxMs: latencies.last ?? 0,
            waitMethod: "polling stat() of done/NAME.result.json every 0.5 ms (the result file is written after the store commit)",
            memory: memory)
        if json {
            print(String(decoding: try StoreJSON.encode(report), as: UTF8.self))
        } else {
            print(report.text())
        }
    }

    // MARK: - files

    private func onnxFiles() throws -> [String] {
        let folder = data ?? Self.repositoryData()
        guard let folder, let walker = FileManager.default.enumerator(atPath: folder) else {
            throw BenchDaemonError("no folder of ONNX files: pass --data DIR (data/latency/onnx of the repository)")
        }
        let files = walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".onnx") }.sorted().map { folder + "/" + $0 }
        guard !files.isEmpty else { throw BenchDaemonError("\(folder) holds no .onnx files") }
        return files
    }

    private static func repositoryData() -> String? {
        var candidates = [FileManager.default.currentDirectoryPath + "/data/latency/onnx"]
        if let exe = Bundle.main.executableURL {
            candidates.append(exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("data/latency/onnx").path)
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Copies `count` files (cycling through `sources`) into the staging folder.
    private func stageFiles(_ sources: [String], count: Int, prefix: String, in stage: String, offset: Int = 0) throws -> [String] {
        try (0..<count).map { i in
            let source = sources[(i + offset) % sources.count]
            let name = String(format: "%@-%05d-", prefix, i) + URL(fileURLWithPath: source).lastPathComponent
            try FileManager.default.copyItem(atPath: source, toPath: stage + "/" + name)
            return name
        }
    }

    private func move(_ from: String, _ to: String) throws {
        guard rename(from, to) == 0 else {
            throw BenchDaemonError("cannot rename \(from) to \(to): \(String(cString: strerror(errno)))")
        }
    }

    private func dropAndWait(_ name: String, stage: String, inbox: String, timeout: Duration) throws {
        try move(stage + "/" + name, inbox + "/" + name)
        let done = inbox + "/done/" + name + ".result.json"
        let failed = inbox + "/failed/" + name + ".error.txt"
        let deadline = ContinuousClock.now + timeout
        while access(done, F_OK) != 0 {
            if access(failed, F_OK) == 0 {
                let reason = (try? String(contentsOfFile: failed, encoding: .utf8)) ?? ""
                throw BenchDaemonError("the daemon failed \(name):\n\(reason)")
            }
            guard ContinuousClock.now < deadline else { throw BenchDaemonError("no result for \(name) after \(timeout)") }
            usleep(500)
        }
    }

    private func filedCount(inbox: String) -> Int {
        func count(_ folder: String, _ suffix: String) -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(suffix) }.count
        }
        return count(inbox + "/done", ".result.json") + count(inbox + "/failed", ".error.txt")
    }

    private func waitForFiled(inbox: String, count: Int, timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        while filedCount(inbox: inbox) < count {
            guard ContinuousClock.now < deadline else { throw BenchDaemonError("the burst did not finish within \(timeout)") }
            usleep(10_000)
        }
    }

    private func readResults(inbox: String, names: [String]) -> (failed: Int, hashes: Int, meanNodes: Double) {
        var hashes: Set<String> = []
        var nodes = 0
        var found = 0
        for name in names {
            guard let data = FileManager.default.contents(atPath: inbox + "/done/" + name + ".result.json"),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            found += 1
            if let hash = object["hash"] as? String { hashes.insert(hash) }
            nodes += object["nodes"] as? Int ?? 0
        }
        return (names.count - found, hashes.count, found == 0 ? 0 : Double(nodes) / Double(found))
    }

    private func latencyModel(in folder: String) throws -> (file: String, note: String) {
        if let url = DefaultModelLocator().locate(.latency, models: ModelsConfig(directory: folder)) {
            return (url.path, "the default latency model \(url.path)")
        }
        let model = try NARFormerModel(config: .paperLatency, seed: 7)
        let url = URL(fileURLWithPath: folder + "/random-paper-latency.safetensors")
        try Checkpoint.save(model, to: url, metadata: CheckpointMetadata(tokenEncoding: "baseline-152", platform: "bench",
                                                                          trainingDataDigest: "untrained"))
        return (url.path, "a freshly initialised paper-size latency model (no default model was found)")
    }

    // MARK: - numbers

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func mib(_ bytes: Int) -> Double { Double(bytes) / 1_048_576 }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
    }
}
