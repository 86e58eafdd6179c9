import ArgumentParser
import Engine
import Foundation
import Lab

/// `narformer bench import`: how fast import (parse + shapes + costs + tokens) runs over
/// the latency data set, or (`--fuzz SECONDS`) a long run of the import fuzzer.
struct BenchImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Time parse + shapes + costs + tokens over data/latency/onnx (or fuzz the readers)."
    )

    @Option(help: "Folder of ONNX files, searched recursively.")
    var data = "data/latency/onnx"

    @Option(help: "Passes over the data set (the first warms caches and is not timed).")
    var passes = 3

    @Option(help: "Instead of timing, fuzz the ONNX and JSON readers for this many seconds.")
    var fuzz: Double?

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() throws {
        let files = try Self.onnxFiles(under: URL(fileURLWithPath: data))
        guard !files.isEmpty else { throw ValidationError("no .onnx files under \(data)") }
        if let fuzz {
            let seeds = try files.prefix(20).map { ImportFuzzer.Seed(name: $0.lastPathComponent, data: try Data(contentsOf: $0), format: .onnx) }
            var fuzzer = ImportFuzzer(seeds: seeds, seed: UInt64(Date().timeIntervalSince1970))
            let report = fuzzer.run(seconds: fuzz)
            print(json ? "{\"cases\": \(report.cases), \"seconds\": \(report.seconds), \"findings\": \(report.findings.count)}" : "\(report)")
            if !report.findings.isEmpty { throw ExitCode.failure }
            return
        }
        // Read the bytes once so the timing covers import, not the disk.
        let blobs = try files.map { ($0.lastPathComponent, try Data(contentsOf: $0)) }
        var perFile = [Double](repeating: .infinity, count: blobs.count)
        var nodes = [Int](repeating: 0, count: blobs.count)
        for pass in 0..<max(passes, 2) {
            for (i, (name, bytes)) in blobs.enumerated() {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let net = try NetworkImporter.importData(bytes, format: .onnx, name: name)
                let t = net.tokens()
                let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
                nodes[i] = t.nodeCount
                if pass > 0 { perFile[i] = min(perFile[i], dt) }
            }
        }
        let total = perFile.reduce(0, +)
        let sorted = perFile.sorted()
        let median = sorted[sorted.count / 2]
        // The ~100-node ResNet files (the authors' Python: ~47 ms each).
        let resnet = zip(blobs, zip(perFile, nodes)).filter { $0.0.0.hasPrefix("resnet") && (80...120).contains($0.1.1) }.map { $0.1.0 }
        let resnetMean = resnet.isEmpty ? 0 : resnet.reduce(0, +) / Double(resnet.count)
        if json {
            print("{\"files\": \(blobs.count), \"files_per_second\": \(Double(blobs.count) / (total / 1000)), \"ms_per_file_mean\": \(total / Double(blobs.count)), \"ms_per_file_median\": \(median), \"resnet_100_node_files\": \(resnet.count), \"resnet_100_node_ms_mean\": \(resnetMean)}")
        } else {
            print("files                     \(blobs.count) (\(nodes.reduce(0, +)) nodes)")
            print("files per second          \(String(format: "%.0f", Double(blobs.count) / (total / 1000)))")
            print("ms per file (mean)        \(String(format: "%.3f", total / Double(blobs.count)))")
            print("ms per file (median)      \(String(format: "%.3f", median))")
            print("ms per ~100-node ResNet   \(String(format: "%.3f", resnetMean)) (\(resnet.count) files; authors' Python ~47 ms)")
        }
    }

    static func onnxFiles(under root: URL) throws -> [URL] {
        guard let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { $0 as? URL }.filter { $0.pathExtension == "onnx" }.sorted { $0.path < $1.path }
    }
}
