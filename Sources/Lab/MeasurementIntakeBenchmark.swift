import Config
import Engine
import Foundation
import Glibc
import Inbox
import Learning
import Store

/// Times one measurement drop of many records through the daemon's intake
/// (`MeasurementDropProcessor`): stored alone, stored and compared with the serving model
/// (every prediction made for the note), and the same file dropped again (measurements
/// already stored, predictions read back). Each case starts from a fresh store; the named
/// networks lie in the inbox's `done/` as if dropped earlier.
package struct MeasurementIntakeBenchmark {
    package struct Result: Sendable {
        package var records: Int
        package var networks: Int
        /// Wall and CPU seconds (all threads of the process) for the drop, per case: on a
        /// shared machine the CPU time is the steadier of the two.
        package var withoutComparison: Timing
        package var compared: Timing
        package var droppedAgain: Timing
        /// The drop's MAPE against the serving model, as its note says.
        package var mape: Double?
    }

    package struct Timing: Sendable {
        package var wall: Double
        package var cpu: Double
    }

    package var list: URL
    package var records: Int
    package var chunk: Int

    package init(list: URL, records: Int = 1000, chunk: Int = EngineConfig.defaultBatchSize) {
        self.list = list
        self.records = records
        self.chunk = chunk
    }

    package func run(model: URL) async throws -> Result {
        let rows = try LatencyList.load(from: list).records.filter { $0.batchSize == 1 }
        guard !rows.isEmpty else { throw BenchDaemonError("\(list.path) has no batch-1 records") }
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let inbox = InboxDescriptor(name: "bench", path: scratch.path + "/inbox", platform: "bench", batchSizes: [1])
        for folder in ["inbox/done", "inbox/.work"] {
            try FileManager.default.createDirectory(atPath: scratch.path + "/" + folder, withIntermediateDirectories: true)
        }
        // Record k names network k mod n at batch size 1 + k / n: every record a distinct
        // network and batch size, as a lab's sweep would be.
        let networks = min(rows.count, records)
        var yaml = "measurements:\n"
        for k in 0..<records {
            let row = rows[k % networks]
            let name = "n\(k % networks).onnx"
            if k < networks {
                try FileManager.default.copyItem(atPath: row.onnxFile.path, toPath: inbox.path + "/done/" + name)
            }
            let batch = 1 + k / networks
            yaml += "  - { network: \(name), batch_size: \(batch), latency_ms: \(row.latencyMs * Double(batch)) }\n"
        }
        let registry = ModelRegistry()
        try await registry.activateLatency(platform: "bench", version: 0, checkpoint: model)

        func timed(_ name: String, storeFolder: String, registry: ModelRegistry?) async throws -> (Timing, [String: Any]) {
            let store = try NarformerStore(path: scratch.path + "/" + storeFolder)
            let intake = MeasurementDropProcessor(store: store, platforms: ["bench"], measurementTimeouts: [:],
                                                  tokens: MeasuredTokenStore(store: store), registry: registry,
                                                  predictionChunk: chunk)
            let drop = ClaimedDrop(inbox: inbox, originalName: DropName(name), claimedPath: inbox.path + "/.work/" + name,
                                   kind: "yaml", contents: Data(yaml.utf8), identity: FileIdentity(stat()),
                                   claimedAt: Date(), retries: 0)
            let clock = ContinuousClock()
            let start = clock.now
            let cpuStart = Self.processCPUSeconds()
            let outcome = await intake.process([drop])[0]
            let cpu = Self.processCPUSeconds() - cpuStart
            let elapsed = clock.now - start
            guard case .done(let json, _) = outcome else { throw BenchDaemonError("the drop was not stored: \(outcome)") }
            let note = (try JSONSerialization.jsonObject(with: json) as? [String: Any]) ?? [:]
            return (Timing(wall: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, cpu: cpu),
                    note)
        }
        let (alone, _) = try await timed("m.yaml", storeFolder: "store-alone", registry: nil)
        let (compared, note) = try await timed("m.yaml", storeFolder: "store-compared", registry: registry)
        let (again, _) = try await timed("m-1.yaml", storeFolder: "store-compared", registry: registry)
        return Result(records: records, networks: networks, withoutComparison: alone, compared: compared,
                      droppedAgain: again, mape: note["mape"] as? Double)
    }

    private static func processCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}
