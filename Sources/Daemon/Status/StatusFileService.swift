import Engine
import Foundation
import Glibc
import Inbox
import Learning
import Logging
import ServiceLifecycle

/// Keeps `<store>/status.json` current (every second) for `narformer status`, and marks
/// it not running when the daemon stops.
package struct StatusFileService: Service {
    package let storePath: String
    package let configFile: String
    package let inboxes: [InboxDescriptor]
    package let pipeline: DropPipeline
    package let registry: ModelRegistry
    package let blas: BLASKernelReport?
    package let logger: Logger
    package let startedAt = Date()

    package func run() async throws {
        // A failing write (disk full) is logged once, not every second.
        var failing = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            failing = await write(running: true, failingBefore: failing)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
        _ = await write(running: false, failingBefore: false)
    }

    /// Returns whether the write failed.
    private func write(running: Bool, failingBefore: Bool) async -> Bool {
        let counters = pipeline.counters
        let models = await registry.latencyEntries
        let accuracy = await registry.accuracyEntry
        let status = DaemonStatus(
            pid: getpid(), running: running, startedAt: startedAt, updatedAt: Date(), configFile: configFile,
            inboxes: inboxes.map { .init(name: $0.name, path: $0.path, platform: $0.platform, batchSizes: $0.batchSizes) },
            counters: .init(done: counters.done, failed: counters.failed, held: counters.held, changing: counters.changing,
                            moveErrors: counters.moveErrors, queueDepth: counters.queueDepth),
            latencyModels: models.keys.sorted().compactMap { platform in
                models[platform].map { .init(platform: platform, version: $0.version, checkpoint: $0.checkpoint.path) }
            },
            accuracyModel: accuracy.map { .init(platform: "", version: $0.version, checkpoint: $0.checkpoint.path) },
            blas: blas)
        do {
            try status.write(storePath: storePath)
            return false
        } catch {
            if !failingBefore { logger.error("cannot write the status file", metadata: ["error": "\(error)"]) }
            return true
        }
    }
}
