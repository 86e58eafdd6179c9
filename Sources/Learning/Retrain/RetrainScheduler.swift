import Config
import Engine
import Foundation
import Logging
import ServiceLifecycle
import Store

/// The daemon's learning service: every `pollInterval` it brings the registry in line with
/// the store's active versions and runs requested retrains; every `retraining.interval` it
/// retrains each platform that got at least `min_new_measurements` since its last retrain.
/// A young platform (fewer than `min_new_measurements` measurements in all) is not made to
/// wait for that: it is retrained, at the next poll, from its first
/// `firstRetrainMeasurements` measurements, and again each time its count doubles.
///
/// Retrains run one at a time (they share the cores with predictions, at a raised nice
/// value). On graceful shutdown the retrain in progress is stopped at its next training
/// step and its candidate dropped; nothing of it reaches the store.
package struct RetrainScheduler: Service {
    /// What the scheduler works on. Read afresh at every poll, so a reloaded config (new
    /// platforms, another `retraining:` section) applies from the next poll on.
    package struct Work: Sendable {
        package var retrainer: Retrainer
        package var platforms: [String]
        /// Brings the registry in line with the store's active versions; nil in a process
        /// that serves no predictions.
        package var reconcile: (@Sendable () async -> Void)?

        package init(retrainer: Retrainer, platforms: [String], reconcile: (@Sendable () async -> Void)? = nil) {
            self.retrainer = retrainer
            self.platforms = platforms
            self.reconcile = reconcile
        }
    }

    package let work: @Sendable () -> Work
    package let control: RetrainControl
    package let pollInterval: Duration
    package let logger: Logger
    /// Runs once before the first poll (the daemon moves an older store's token files into
    /// the store there, so that no retrain starts halfway through); it should return soon
    /// once the flag is raised.
    package let prepare: (@Sendable (TrainingStopFlag) async -> Void)?
    /// Measurements a young platform needs for its first retrain (a candidate is judged by
    /// cross-validation over them, see `CandidateJudgement`).
    package static let firstRetrainMeasurements = 5

    package init(work: @escaping @Sendable () -> Work, control: RetrainControl, pollInterval: Duration = .seconds(1),
                 logger: Logger, prepare: (@Sendable (TrainingStopFlag) async -> Void)? = nil) {
        self.work = work
        self.control = control
        self.pollInterval = pollInterval
        self.logger = logger
        self.prepare = prepare
    }

    /// A scheduler over a fixed retrainer and platform list.
    package init(retrainer: Retrainer, platforms: [String], control: RetrainControl, pollInterval: Duration = .seconds(1),
                 logger: Logger) {
        let work = Work(retrainer: retrainer, platforms: platforms)
        self.init(work: { work }, control: control, pollInterval: pollInterval, logger: logger)
    }

    package func run() async {
        let stop = TrainingStopFlag()
        let clock = ContinuousClock()
        var nextScheduled = clock.now
        var served: [RetrainControl.Request] = []
        // The measurement count each young platform was last tried at: a skipped retrain is
        // not tried again before a new measurement arrives.
        var youngTried: [String: Int] = [:]
        await withGracefulShutdownHandler {
            await prepare?(stop)
            while !stop.isRequested && !Task.isCancelled {
                let work = work()
                await work.reconcile?()
                let pending = control.pending(among: work.platforms)
                served.removeAll { !pending.contains($0) }
                for request in pending where !stop.isRequested {
                    await serve(request, with: work.retrainer, stop: stop, served: &served)
                }
                let retraining = work.retrainer.settings.retraining
                if retraining.enabled {
                    for (platform, count) in youngDue(work) where !stop.isRequested && youngTried[platform] != count {
                        youngTried[platform] = count
                        _ = await retrain(platform, with: work.retrainer, reason: "young platform, \(count) measurements",
                                          stop: stop)
                    }
                }
                if retraining.enabled, clock.now >= nextScheduled {
                    nextScheduled = clock.now.advanced(by: retraining.interval)
                    for platform in dueByCount(work) where !stop.isRequested {
                        _ = await retrain(platform, with: work.retrainer, reason: "scheduled", stop: stop)
                    }
                }
                try? await Task.sleep(for: pollInterval)
            }
        } onGracefulShutdown: {
            stop.request()
        }
    }

    /// Retrains for a request and answers it, then removes it. The request stays filed
    /// while the retrain runs: a retrain stopped by shutdown is not answered and the request
    /// is served again at the next start, as it is after a kill. A request that already has
    /// its answer is only removed; one this process served but could not remove (`served`)
    /// is not served again.
    private func serve(_ request: RetrainControl.Request, with retrainer: Retrainer, stop: TrainingStopFlag,
                       served: inout [RetrainControl.Request]) async {
        if control.isAnswered(request) {
            control.remove(request)
            return
        }
        guard !served.contains(request) else { return }
        let (summary, stopped) = await retrain(request.platform, with: retrainer, reason: "requested", stop: stop)
        if stopped {
            logger.notice("retrain request kept for the next start", metadata: ["platform": "\(request.platform)"])
            return
        }
        do {
            try control.answer(platform: request.platform, id: request.id, summary: summary)
        } catch {
            logger.error("cannot write the answer to a retrain request; the request is removed unanswered",
                         metadata: ["platform": "\(request.platform)", "error": "\(error)"])
        }
        control.remove(request)
        if control.pending(among: [request.platform]).contains(request) { served.append(request) }
    }

    /// Platforms with enough measurements stored since their last judged retrain.
    package func dueByCount() -> [String] { dueByCount(work()) }

    private func dueByCount(_ work: Work) -> [String] {
        let retrainer = work.retrainer
        return work.platforms.filter { platform in
            let count = try? retrainer.store.read { reader -> Int in
                let last = try reader.meta(.lastRetrain(platform: platform))
                    .flatMap(StoreJSON.parseTimestamp) ?? .distantPast
                return try reader.measurementCount(platform: platform, since: last)
            }
            return (count ?? 0) >= retrainer.settings.retraining.minNewMeasurements
        }
    }

    /// Young platforms due for a retrain, with their measurement counts: fewer than
    /// `min_new_measurements` in all, at least `firstRetrainMeasurements`, and at least twice
    /// as many as at their last judged retrain.
    package func youngDue() -> [(platform: String, measurements: Int)] { youngDue(work()) }

    private func youngDue(_ work: Work) -> [(platform: String, measurements: Int)] {
        let retrainer = work.retrainer
        let regular = retrainer.settings.retraining.minNewMeasurements
        return work.platforms.compactMap { platform in
            let counts = try? retrainer.store.read { reader -> (total: Int, since: Int) in
                let total = try reader.measurementCount(platform: platform, limit: regular)
                guard total < regular else { return (total, 0) }
                let last = try reader.meta(.lastRetrain(platform: platform))
                    .flatMap(StoreJSON.parseTimestamp) ?? .distantPast
                return (total, try reader.measurementCount(platform: platform, since: last))
            }
            guard let counts, counts.total < regular, counts.total >= Self.firstRetrainMeasurements else { return nil }
            let atLastRetrain = counts.total - counts.since
            return counts.since >= max(atLastRetrain, 1) ? (platform, counts.total) : nil
        }
    }

    /// Retrains `platform` once; returns the outcome in words and whether shutdown stopped
    /// it before anything was decided.
    private func retrain(_ platform: String, with retrainer: Retrainer, reason: String,
                         stop: TrainingStopFlag) async -> (summary: String, stopped: Bool) {
        logger.notice("retraining", metadata: ["platform": "\(platform)", "reason": "\(reason)"])
        do {
            let report = try await retrainer.retrain(platform: platform, stop: stop)
            if case .held = report.decision {
                // A person has to look: the candidate does not serve until promoted by hand.
                logger.warning("retrain candidate held for a person; 'narformer models promote' makes it serve",
                               metadata: ["platform": "\(platform)", "outcome": "\(report.summary)"])
            } else {
                logger.notice("retrain finished", metadata: ["platform": "\(platform)", "outcome": "\(report.summary)"])
            }
            if let note = report.weightsRemovalNote {
                logger.info("models folder bounded", metadata: ["platform": "\(platform)", "outcome": "\(note)"])
            }
            for problem in report.weightsRemoval.problems {
                logger.warning("rejected version's weights kept", metadata: ["platform": "\(platform)", "reason": "\(problem)"])
            }
            if case .skipped = report.decision, stop.isRequested { return (report.summary, true) }
            return (report.summary, false)
        } catch {
            let summary = "failed: \(error)"
            logger.error("retrain failed", metadata: ["platform": "\(platform)", "error": "\(error)"])
            try? retrainer.store.write { writer in
                try writer.setMeta(.retrainOutcome(platform: platform), summary)
            }
            return (summary, false)
        }
    }
}
