import Config
import Engine
import Foundation
import Logging
import Store
import Synchronization

/// Keeps the registry equal to what should serve: per platform the store's active version
/// (its weights checked against their SHA-256), else the default latency model; plus the
/// default accuracy model. Used at start, on reload and by the scheduler's poll (so a
/// `narformer models promote|rollback` made by another process reaches the daemon).
///
/// One rule for a model that cannot be used: what serves now keeps serving, and the log
/// says why; a platform with nothing serving yet gets the default model. A platform left
/// without any model is reported, and its drops fail with that reason.
package final class ModelReconciler: Sendable {
    package let store: NarformerStore
    package let registry: ModelRegistry
    package let locator: DefaultModelLocator
    package let logger: Logger
    /// Problems logged by the last pass: a poll every second logs each problem once, not
    /// every second.
    private let logged = Mutex<Set<String>>([])

    package init(store: NarformerStore, registry: ModelRegistry, locator: DefaultModelLocator = DefaultModelLocator(),
                 logger: Logger) {
        self.store = store
        self.registry = registry
        self.locator = locator
        self.logger = logger
    }

    /// What one pass did or could not do: one plain line each (also logged).
    package struct Report: Sendable, Equatable {
        /// Platforms whose serving model changed.
        package var changes: [String] = []
        /// Models that should serve but cannot.
        package var problems: [String] = []
        /// Platforms with no latency model at all.
        package var missing: [String] = []
        /// Platforms served by a model trained on another platform's measurements.
        package var uncalibrated: [String] = []
    }

    /// Why a pass runs, which decides what it may load.
    package enum Pass: Sendable {
        /// At start: every platform and the accuracy model.
        case start
        /// A reloaded config: like `start`, and models already serving are loaded again (a
        /// default file may have been replaced in place, or the config names another).
        case reload
        /// The scheduler's poll: only platforms whose active version in the store differs
        /// from the one serving (a promotion or rollback by another process).
        case poll
    }

    /// One pass over `platforms` (and the accuracy model unless polling).
    @discardableResult
    package func reconcile(platforms: [String], models: ModelsConfig, pass: Pass) async -> Report {
        var report = Report()
        for platform in platforms {
            await reconcile(platform: platform, models: models, pass: pass, into: &report)
        }
        if pass != .poll { await reconcileAccuracy(models: models, reloadUnchanged: pass == .reload, into: &report) }
        for line in report.changes { logger.notice("\(line)") }
        let problems = report.problems + report.missing
        let new = logged.withLock { logged in
            defer { logged = Set(problems) }
            return problems.filter { !logged.contains($0) }
        }
        for line in new { logger.error("\(line)") }
        for line in report.uncalibrated { logger.warning("\(line)") }
        return report
    }

    private func reconcile(platform: String, models: ModelsConfig, pass: Pass, into report: inout Report) async {
        let serving = await registry.latencyEntry(platform: platform)
        if pass == .poll && serving == nil { return }
        let reloadUnchanged = pass == .reload
        let active: ModelRecord?
        do {
            active = try store.read { try $0.activeModel(platform: platform) }
        } catch {
            report.problems.append("\(platform): cannot read the active model from the store: \(error)")
            if serving == nil { await serveDefault(platform: platform, models: models, into: &report) }
            return
        }
        guard let active else {
            if let serving, serving.version == 0, !reloadUnchanged,
               serving.checkpoint == locator.locate(.latency, models: models, platform: platform) { return }
            await serveDefault(platform: platform, models: models, into: &report)
            return
        }
        if let serving, serving.version == active.version, !reloadUnchanged { return }
        do {
            try active.verifyWeights()
            try await registry.activateLatency(platform: platform, version: active.version,
                                               checkpoint: URL(fileURLWithPath: active.weightsPath))
            report.changes.append("\(platform): now predicting with v\(active.version)")
        } catch {
            if let serving {
                report.problems.append("\(platform): v\(active.version) is active in the store but cannot be loaded "
                                       + "(\(error)); still predicting with v\(serving.version)")
            } else {
                report.problems.append("\(platform): v\(active.version) is active in the store but cannot be loaded "
                                       + "(\(error)); predicting with the default model")
                await serveDefault(platform: platform, models: models, into: &report)
            }
        }
    }

    private func serveDefault(platform: String, models: ModelsConfig, into report: inout Report) async {
        let serving = await registry.latencyEntry(platform: platform)
        guard let url = locator.locate(.latency, models: models, platform: platform) else {
            if let serving {
                report.problems.append("\(platform): no default latency model was found; still predicting with "
                                       + "v\(serving.version)")
            } else {
                report.missing.append("no latency model for platform \(platform): the store has no active model for it "
                    + "and no default latency model was found (looked at: "
                    + locator.candidates(.latency, models: models, platform: platform).joined(separator: ", ") + ")")
            }
            return
        }
        do {
            try await registry.activateLatency(platform: platform, version: 0, checkpoint: url)
            report.changes.append(serving == nil ? "\(platform): predicting with the default model (\(url.path))"
                                                 : "\(platform): no version is active; back to the default model")
            if let note = await registry.latencyEntry(platform: platform)?.uncalibratedNote(
                platform: platform, stage: (try? UncalibratedNote.stage(of: platform, in: store)) ?? .unmeasured) {
                report.uncalibrated.append("\(platform): \(note)")
            }
        } catch {
            if let serving {
                report.problems.append("\(platform): the default model \(url.path) cannot be loaded (\(error)); "
                                       + "still predicting with v\(serving.version)")
            } else {
                report.missing.append("no latency model for platform \(platform): the default model \(url.path) "
                                      + "cannot be loaded: \(error)")
            }
        }
    }

    private func reconcileAccuracy(models: ModelsConfig, reloadUnchanged: Bool, into report: inout Report) async {
        let serving = await registry.accuracyEntry
        guard let url = locator.locate(.accuracy, models: models) else {
            if serving == nil {
                logger.warning("no accuracy model found; cells get no accuracy", metadata: [
                    "looked_at": "\(locator.candidates(.accuracy, models: models).joined(separator: ", "))"])
            }
            return
        }
        if let serving, serving.checkpoint == url, !reloadUnchanged { return }
        do {
            try await registry.activateAccuracy(version: 0, checkpoint: url)
            report.changes.append("accuracy: predicting with \(url.path)")
        } catch {
            report.problems.append("the accuracy model \(url.path) cannot be loaded (\(error)); "
                                   + (serving == nil ? "cells get no accuracy" : "still using the previous one"))
        }
    }
}
