import Foundation

/// What `narformer bench daemon` measured.
package struct BenchDaemonReport: Encodable {
    package struct Memory: Encodable {
        package var files: Int
        package var rssBeforeMiB: Double
        package var rssPeakFirstHalfMiB: Double
        package var rssPeakMiB: Double
        package var rssAfterMiB: Double
        /// The peak over the whole burst is within 10% (+16 MiB) of the first half's peak.
        package var bounded: Bool

        package init(files: Int, rssBeforeMiB: Double, rssPeakFirstHalfMiB: Double, rssPeakMiB: Double, rssAfterMiB: Double, bounded: Bool) {
            self.files = files
            self.rssBeforeMiB = rssBeforeMiB
            self.rssPeakFirstHalfMiB = rssPeakFirstHalfMiB
            self.rssPeakMiB = rssPeakMiB
            self.rssAfterMiB = rssAfterMiB
            self.bounded = bounded
        }
    }

    package var model: String
    package var threads: Int
    package var files: Int
    package var failed: Int
    package var distinctHashes: Int
    package var meanNodes: Double
    package var filesPerSecond: Double
    package var burstSeconds: Double
    package var idleDrops: Int
    package var idleP50Ms: Double
    package var idleP99Ms: Double
    package var idleMaxMs: Double
    package var waitMethod: String
    package var memory: Memory?

    package init(model: String, threads: Int, files: Int, failed: Int, distinctHashes: Int, meanNodes: Double, filesPerSecond: Double, burstSeconds: Double, idleDrops: Int, idleP50Ms: Double, idleP99Ms: Double, idleMaxMs: Double, waitMethod: String, memory: Memory? = nil) {
        self.model = model
        self.threads = threads
        self.files = files
        self.failed = failed
        self.distinctHashes = distinctHashes
        self.meanNodes = meanNodes
        self.filesPerSecond = filesPerSecond
        self.burstSeconds = burstSeconds
        self.idleDrops = idleDrops
        self.idleP50Ms = idleP50Ms
        self.idleP99Ms = idleP99Ms
        self.idleMaxMs = idleMaxMs
        self.waitMethod = waitMethod
        self.memory = memory
    }

    package func text() -> String {
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
