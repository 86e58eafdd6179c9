/// The decisions of `BLASKernels.activate`, without side effects (tests drive it with made-up
/// processors and environments).
///
/// OpenBLAS (0.3.21, DYNAMIC_ARCH) picks its kernel set once, when the library is loaded,
/// before `main`: from `OPENBLAS_CORETYPE` if set, else from the processor's model number. To
/// run another set the program sets `OPENBLAS_CORETYPE` and replaces itself with a fresh
/// image of itself (`execv`); `RestartState` carries what was decided across that, in
/// `stateVariable`.
enum BLASActivationPlan {
    /// Name of the environment variable that carries `RestartState` into the new image. Its
    /// presence also says that `OPENBLAS_CORETYPE` was set by the program, not by the user.
    static let stateVariable = "NARFORMER_BLAS_KERNELS"
    /// At most this many restarts in one start: the widest chain is a configured set, then
    /// one fallback per class down to Prescott.
    static let restartLimit = 6

    struct RestartState: Codable, Equatable {
        var source: BLASKernelSelection.Source
        /// The config word or `OPENBLAS_CORETYPE` value first asked for (nil: detected).
        var requested: String?
        /// The `OPENBLAS_CORETYPE` the new image was started with.
        var target: String
        var failed: [BLASKernelSelection.FailedCheck]
        var notes: [String]
        var restarts: Int
    }

    struct Input {
        var features: CPUFeatures?
        /// `openblas_get_corename()` of this image.
        var running: String
        /// `OPENBLAS_CORETYPE` as this image found it.
        var environmentCore: String?
        var state: RestartState?
        /// `engine.blas_core`; nil while the config is not read yet.
        var configured: BLASCoreSetting?
    }

    enum Step: Equatable {
        /// Start again with `state.target` in `OPENBLAS_CORETYPE`.
        case restart(RestartState)
        /// The running set is the one wanted: check it, then settle (`settle`) or fall back
        /// (`afterFailedCheck`).
        case check(RestartState)
    }

    /// What to run, given what is running.
    static func step(_ input: Input) -> Step {
        var plan = request(input)
        let wanted = target(for: &plan, input)
        // What the features chose is remembered as asked for, so that a later fallback
        // still reports it.
        if plan.source == .detected && plan.requested == nil && input.features != nil { plan.requested = wanted }
        if wanted.lowercased() == input.running.lowercased() {
            plan.target = input.running
            return .check(plan)
        }
        // A restart that did not load what it asked for (OpenBLAS refused the name or a
        // loop): keep what runs rather than restart again.
        if let state = input.state, state.target.lowercased() == wanted.lowercased() || state.restarts >= restartLimit {
            plan.notes.append("OpenBLAS was asked for kernel set \(wanted) and loaded \(input.running)")
            plan.target = input.running
            return .check(plan)
        }
        plan.target = wanted
        plan.restarts += 1
        return .restart(plan)
    }

    /// The check of `running` failed: restart with the next safer set, or nil when there is
    /// none (Prescott failed).
    static func afterFailedCheck(_ plan: RestartState, running: String, check: BLASSelfCheck,
                                 features: CPUFeatures?) -> RestartState? {
        guard plan.restarts < restartLimit else { return nil }
        let failedClass = blasKernelClass(ofCoreName: running) ?? features?.kernelClass ?? .sse3
        guard let safer = BLASCore.safer(than: failedClass) else { return nil }
        var next = plan
        next.failed.append(.init(kernelSet: running, check: check))
        next.target = safer.openBLASName
        next.restarts += 1
        return next
    }

    /// The selection once `running` passed its check.
    static func settle(_ plan: RestartState, running: String, check: BLASSelfCheck,
                       features: CPUFeatures?) -> BLASKernelSelection {
        var source = plan.source
        if !plan.failed.isEmpty && !(plan.source == .config && BLASCore(name: plan.requested ?? "")?.openBLASName == running) {
            source = .fallback
        }
        if source == .detected && features == nil { source = .library }
        return BLASKernelSelection(
            kernelSet: running, source: source, requested: source == .library ? nil : plan.requested,
            cpuClass: features?.kernelClass.label, cpuFeatures: features?.names, check: check,
            failedChecks: plan.failed, notes: plan.notes, restarts: plan.restarts)
    }

    /// Who asks for what. Order of precedence: a fallback already made in this start (a set
    /// that computed wrong results is never taken back), then `OPENBLAS_CORETYPE` as the
    /// user set it, then `engine.blas_core`, then the processor's features.
    static func request(_ input: Input) -> RestartState {
        if var state = input.state {
            if state.source == .environment, case .named(let core) = input.configured,
               core.openBLASName.lowercased() != state.requested?.lowercased() {
                appendOnce(&state.notes, "engine.blas_core: \(core.rawValue) is not used: OPENBLAS_CORETYPE=\(state.requested ?? state.target) is set")
            }
            guard state.source != .environment, let configured = input.configured else { return state }
            switch configured {
            case .named(let core) where !(state.source == .config && state.requested?.lowercased() == core.rawValue):
                state.source = .config
                state.requested = core.rawValue
            case .auto where state.source == .config:
                state.source = .detected
                state.requested = nil
                state.target = input.running
            default: break
            }
            return state
        }
        if let environment = input.environmentCore, !environment.isEmpty {
            var notes: [String] = []
            if case .named(let core) = input.configured, core.openBLASName.lowercased() != environment.lowercased() {
                notes.append("engine.blas_core: \(core.rawValue) is not used: OPENBLAS_CORETYPE=\(environment) is set")
            }
            return RestartState(source: .environment, requested: environment, target: environment, failed: [],
                                notes: notes, restarts: 0)
        }
        if case .named(let core) = input.configured {
            return RestartState(source: .config, requested: core.rawValue, target: core.openBLASName, failed: [],
                                notes: [], restarts: 0)
        }
        return RestartState(source: .detected, requested: nil, target: input.running, failed: [], notes: [], restarts: 0)
    }

    /// The kernel set to run for `plan` on this processor. Adds a note when a named set
    /// cannot be honoured.
    static func target(for plan: inout RestartState, _ input: Input) -> String {
        // After a fallback the fallback's set stands, unless the config names a set that
        // has not failed and that the processor runs.
        let failed = Set(plan.failed.map { $0.kernelSet.lowercased() })
        if !failed.isEmpty {
            if plan.source == .config, let core = BLASCore(name: plan.requested ?? ""),
               !failed.contains(core.openBLASName.lowercased()),
               core.kernelClass <= (input.features?.kernelClass ?? core.kernelClass) {
                return core.openBLASName
            }
            return plan.target
        }
        guard let features = input.features else {
            // Not x86-64: OpenBLAS's choice, or the named set as OpenBLAS understood it.
            return plan.source == .detected ? input.running : plan.target
        }
        let available = features.kernelClass
        let detected: String = {
            // OpenBLAS's own pick of the right class is kept (it may be a model-specific set
            // of that class, Zen or Cooperlake, with blocking sizes tuned for the model).
            if blasKernelClass(ofCoreName: input.running) == available { return input.running }
            return BLASCore.preferred(for: available).openBLASName
        }()
        if plan.source == .detected { return detected }
        let named = plan.source == .config ? BLASCore(name: plan.requested ?? "")?.openBLASName ?? plan.target : plan.target
        guard let namedClass = blasKernelClass(ofCoreName: named) else {
            appendOnce(&plan.notes, "OPENBLAS_CORETYPE=\(named) is not a kernel set of OpenBLAS 0.3.21; using \(detected), from the processor's features")
            return detected
        }
        if namedClass > available {
            let setting = plan.source == .config ? "engine.blas_core: \(plan.requested ?? named)" : "OPENBLAS_CORETYPE=\(named)"
            appendOnce(&plan.notes, "\(setting) needs \(namedClass.label), which this processor or its operating system does not offer; using \(detected)")
            return detected
        }
        return named
    }

    private static func appendOnce(_ notes: inout [String], _ note: String) {
        if !notes.contains(note) { notes.append(note) }
    }
}
