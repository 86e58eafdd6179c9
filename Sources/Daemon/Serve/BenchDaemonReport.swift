import Foundation

/// What `narformer bench daemon` measured.
struct BenchDaemonReport: Encodable {
    struct Memory: Encodable {
        var files: Int
        var rssBeforeMiB: Double
        var rssPeakFirstHalfMiB: Double
        var rssPeakMiB: Double
        var rssAfterMiB: Double
        /// The peak over the whole burst is within 10% (+16 MiB) of the first half's peak.
        var bounded: Bool
    }

    var model: String
    var threads: Int
    var files: Int
    var failed: Int
    var distinctHashes: Int
    var meanNodes: Double
    var filesPerSecond: Double
    var burstSeconds: Double
    var idleDrops: Int
    var idleP50Ms: Double
    var idleP99Ms: Double
    var idleMaxMs: Double
    var waitMethod: String
    var memory: Memory?

    func text() -> String {
        func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
        var lines = [
            "daemon benchmark: \(model), engine.threads \(threads), no debounce",
            "burst: \(files) ONNX drops (\(distinctHashes) distinct graphs, mean \(f(meanNodes)) nodes, \(failed) failed) "
                + "in \(f(burstSeconds, 2)) s = \(f(filesPerSecond)) files/s",
            "idle drop-to-result (\(idleDrops) drops, one at a time): p50 \(f(idleP50Ms, 2)) ms, p99 \(f(idleP99Ms, 2)) ms, "
                + "max \(f(idleMaxMs, 2)) ms",
            "waiting: \(waitMethod)",
        ]
        if let memory {
            lines.append("memory over \(memory.files) drops: RSS \(f(memory.rssBeforeMiB)) MiB before, peak "
                         + "\(f(memory.rssPeakFirstHalfMiB)) MiB in the first half, \(f(memory.rssPeakMiB)) MiB overall, "
                         + "\(f(memory.rssAfterMiB)) MiB after: \(memory.bounded ? "bounded" : "NOT bounded")")
        }
        return lines.joined(separator: "\n")
    }
}
