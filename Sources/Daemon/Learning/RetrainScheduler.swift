import Config
import Engine
import Foundation
import Logging
import ServiceLifecycle

/// The daemon's learning service: every `pollInterval` it brings the registry in line with
/// the store's active versions and runs requested retrains; every `retraining.interval` it
/// retrains each platform that got at least `min_new_measurements` since its last retrain.
///
/// Retrains run one at a time (they share the cores with predictions, at a raised nice
/// value). On graceful shutdown the retrain in progress is stopped at its next training
/// step and its candidate dropped; nothing of it reaches the store.
struct RetrainScheduler: Service {
    let retrainer: Retrainer
    let platforms: [String]
    let control: RetrainControl
    let sync: ModelActivationSync?
    let pollInterval: Duration
    let logger: Logger

    init(retrainer: Retrainer, platforms: [String], control: RetrainControl, sync: ModelActivationSync?,
         pollInterval: Duration = .seconds(1), logger: Logger) {
        self.retrainer = retrainer
        self.platforms = platforms
        self.control = control
        self.sync = sync
        self.pollInterval = pollInterval
        self.logger = logger
    }

    func run() async {
        let stop = TrainingStopFlag()
        let clock = ContinuousClock()
        var nextScheduled = clock.now
        await withGracefulShutdownHandler {
            while !stop.isRequested && !Task.isCancelled {
                if let sync {
                    for change in await sync.sync() { logger.notice("\(change)") }
                }
                for request in control.pending(among: platforms) where !stop.isRequested {
                    control.take(platform: request.platform, id: request.id)
                    let summary = await retrain(request.platform, reason: "requested", stop: stop)
                    try? control.answer(platform: request.platform, id: request.id, summary: summary)
                }
                if retrainer.settings.retraining.enabled, clock.now >= nextScheduled {
                    nextScheduled = clock.now.advanced(by: retrainer.settings.retraining.interval)
                    for platform in dueByCount() where !stop.isRequested {
                        _ = await retrain(platform, reason: "scheduled", stop: stop)
                    }
                }
                try? await Task.sleep(for: pollInterval)
            }
        } onGracefulShutdown: {
            stop.request()
        }
    }

    /// Platforms with enough measurements stored since their last judged retrain.
    func dueByCount() -> [String] {
        platforms.filter { platform in
            let count = try? retrainer.store.read { reader -> Int in
                let last = try reader.meta(RetrainSettings.lastRetrainKey(platform))
                    .flatMap(RetrainSettings.parseTime) ?? .distantPast
                return try reader.measurementCount(platform: platform, since: last)
            }
            return (count ?? 0) >= retrainer.settings.retraining.minNewMeasurements
        }
    }

    private func retrain(_ platform: String, reason: String, stop: TrainingStopFlag) async -> String {
        logger.notice("retraining", metadata: ["platform": "\(platform)", "reason": "\(reason)"])
        do {
            let report = try await retrainer.retrain(platform: platform, stop: stop)
            logger.notice("retrain finished", metadata: ["platform": "\(platform)", "outcome": "\(report.summary)"])
            return report.summary
        } catch {
            let summary = "failed: \(error)"
            logger.error("retrain failed", metadata: ["platform": "\(platform)", "error": "\(error)"])
            try? retrainer.store.write { writer in
                try writer.setMeta(RetrainSettings.outcomeKey(platform), summary)
            }
            return summary
        }
    }
}
