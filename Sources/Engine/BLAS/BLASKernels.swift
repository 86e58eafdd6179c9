import CBLAS
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Chooses, checks and reports OpenBLAS's kernel set for this process.
///
/// The executable calls `start()` first thing in `main`, before any BLAS call, and
/// `activate(configured:)` again once it has read `engine.blas_core`. Either may replace the
/// process with a fresh image of itself (`execv` of `/proc/self/exe`, same arguments, same
/// PID, so a service manager's notify socket and PID file stay right) with
/// `OPENBLAS_CORETYPE` set, because OpenBLAS reads that variable only when it is loaded.
/// A restart happens when the loaded set is narrower than the processor's features allow
/// (OpenBLAS 0.3.21 falls back to SSE3 kernels on processor models it does not know),
/// wider than they allow, other than `engine.blas_core` names, or wrong (the start-up check).
public enum BLASKernels {
    /// `openblas_get_corename()`.
    public static var loadedKernelSet: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// `openblas_get_config()`: version, build options and kernel set.
    public static var libraryConfig: String {
        guard let text = openblas_get_config() else { return "unknown" }
        return String(cString: text)
    }

    private struct Settled: Sendable {
        var plan: BLASActivationPlan.RestartState
        var selection: BLASKernelSelection
    }

    private static let settled = Mutex<Settled?>(nil)

    /// The kernel set in use and how it was chosen. Before `activate` was called (or where
    /// it never is, as in the library's tests): OpenBLAS's own choice, unchecked.
    public static var current: BLASKernelSelection {
        settled.withLock { $0?.selection } ?? BLASKernelSelection(
            kernelSet: loadedKernelSet, source: .library, requested: nil,
            cpuClass: CPUFeatures.current?.kernelClass.label, cpuFeatures: CPUFeatures.current?.names,
            check: nil, failedChecks: [], notes: [], restarts: 0)
    }

    /// GFLOP/s of OpenBLAS's sgemm on the benchmark's shape (2400x512x512, the rate `bench
    /// engine` compares the engine with), over about `seconds` after one warm-up call.
    /// `threads` sets OpenBLAS's thread count for the measurement and restores it after.
    public static func measureSgemmRate(threads: Int? = nil, seconds: Double = 0.05) -> Double {
        let before = BLASThreads.current
        if let threads { BLASThreads.set(threads) }
        defer { if threads != nil { BLASThreads.set(before) } }
        let reference = SgemmRate()
        reference.run(forAbout: seconds)
        return reference.rate
    }

    /// The kernel set in use (`current`) and its sgemm rate at OpenBLAS's present thread
    /// count, measured now for about `seconds`.
    public static func report(seconds: Double = 0.05) -> BLASKernelReport {
        BLASKernelReport(selection: current, sgemmGFLOPS: measureSgemmRate(seconds: seconds), threads: BLASThreads.current)
    }

    /// Why the program cannot compute with OpenBLAS.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// For `main`: `activate(configured: nil)`; on a failure prints it and exits with status
    /// 70 (EX_SOFTWARE), since every prediction would be wrong.
    @discardableResult
    public static func start(program: String = "narformer") -> BLASKernelSelection {
        do {
            let selection = try activate(configured: nil)
            return selection
        } catch {
            FileHandle.standardError.write(Data("\(program): error: \(error)\n".utf8))
            exit(70)
        }
    }

    /// Makes the process compute with the right kernel set, restarting it when needed, and
    /// returns the selection. `configured` is `engine.blas_core`, nil while unknown. A second
    /// call with the same setting returns at once; one that changes the choice restarts.
    /// Throws when no kernel set passes the start-up check, or when a restart needed after a
    /// failed check cannot be made. Warnings go to standard error with a `program` prefix
    /// as they happen (a failed check names the failed set and the one tried next); the
    /// final selection lists them again for a structured log (`warnings`).
    @discardableResult
    public static func activate(configured: BLASCoreSetting?, program: String = "narformer") throws -> BLASKernelSelection {
        let environment = ProcessInfo.processInfo.environment
        let previous = settled.withLock { $0 }
        let state: BLASActivationPlan.RestartState? = previous?.plan ?? environment[BLASActivationPlan.stateVariable].flatMap {
            try? JSONDecoder().decode(BLASActivationPlan.RestartState.self, from: Data($0.utf8))
        }
        let features = CPUFeatures.current
        let running = loadedKernelSet
        let input = BLASActivationPlan.Input(
            features: features, running: running, environmentCore: environment["OPENBLAS_CORETYPE"],
            state: state, configured: configured)

        switch BLASActivationPlan.step(input) {
        case .restart(let next):
            let reason = restart(with: next)
            // The restart could not be made (no /proc, exec refused): go on with what runs.
            var plan = next
            plan.target = running
            plan.notes.append("could not restart to load kernel set \(next.target) (\(reason)); using \(running)")
            return try checkAndSettle(plan, running: running, features: features, program: program, previous: previous)
        case .check(let plan):
            return try checkAndSettle(plan, running: running, features: features, program: program, previous: previous)
        }
    }

    private static func checkAndSettle(_ plan: BLASActivationPlan.RestartState, running: String, features: CPUFeatures?,
                                       program: String, previous: Settled?) throws -> BLASKernelSelection {
        // Checked once per process: a second activate on the same set keeps the first result.
        let check: BLASSelfCheck
        if let previous, previous.selection.kernelSet == running, let earlier = previous.selection.check {
            check = earlier
        } else {
            let hook = Int(ProcessInfo.processInfo.environment[BLASSelfCheck.failureHookVariable] ?? "") ?? 0
            check = BLASSelfCheck.run(forceFailure: plan.failed.count < hook)
        }
        guard check.passed else {
            let message = "BLAS kernel set \(running) failed the start-up check (\(check.summary))"
            guard let next = BLASActivationPlan.afterFailedCheck(plan, running: running, check: check, features: features) else {
                throw Failure(description: "\(message), and no safer kernel set is left to try; predictions would be wrong")
            }
            warn(program, ["\(message); restarting with kernel set \(next.target)"], excluding: [])
            let reason = restart(with: next)
            throw Failure(description: "\(message), and the program could not restart with kernel set \(next.target): \(reason)")
        }
        let selection = BLASActivationPlan.settle(plan, running: running, check: check, features: features)
        // Notes are printed once, by the image that settles (restarts carry them along).
        warn(program, selection.notes, excluding: previous?.selection.notes ?? [])
        settled.withLock { $0 = Settled(plan: plan, selection: selection) }
        return selection
    }

    private static func warn(_ program: String, _ lines: [String], excluding: [String]) {
        for line in lines where !excluding.contains(line) {
            FileHandle.standardError.write(Data("\(program): warning: \(line)\n".utf8))
        }
    }

    /// Replaces the process image; returns only when that failed, with the reason.
    private static func restart(with state: BLASActivationPlan.RestartState) -> String {
        #if os(Linux)
        guard let encoded = try? JSONEncoder().encode(state) else { return "cannot encode the decision" }
        let names: [String] = ["OPENBLAS_CORETYPE", BLASActivationPlan.stateVariable]
        let saved: [(String, String?)] = names.map { name in (name, getenv(name).map { String(cString: $0) }) }
        setenv("OPENBLAS_CORETYPE", state.target, 1)
        setenv(BLASActivationPlan.stateVariable, String(decoding: encoded, as: UTF8.self), 1)
        // Output buffered by C stdio would be lost with the old image.
        fflush(nil)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        let reason = String(cString: strerror(errno))
        // Still this image: its children should see the environment it started with.
        for (name, value) in saved {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
        return reason
        #else
        return "restarting is implemented for Linux only"
        #endif
    }
}
