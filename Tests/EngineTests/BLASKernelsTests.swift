import Foundation
import XCTest
@testable import Engine

/// Choosing OpenBLAS's kernel set: features, the decisions (on made-up processors and
/// environments), the start-up check, the rate, and the peer benchmark's plumbing.
final class BLASKernelsTests: XCTestCase {
    // CPUID.1:ECX bits: SSE3 0, SSSE3 9, FMA 12, SSE4.1 19, SSE4.2 20, OSXSAVE 27, AVX 28.
    static let leaf1AVX2: UInt32 = 1 << 0 | 1 << 9 | 1 << 12 | 1 << 19 | 1 << 20 | 1 << 27 | 1 << 28
    // CPUID.7.0:EBX bits: AVX2 5, AVX-512 F 16, DQ 17, BW 30, VL 31.
    static let leaf7AVX512: UInt32 = 1 << 5 | 1 << 16 | 1 << 17 | 1 << 30 | 1 << 31
    static let avx512 = CPUFeatures(leaf1ECX: leaf1AVX2, leaf7EBX: leaf7AVX512, xcr0: 0xE7)
    static let avx2 = CPUFeatures(leaf1ECX: leaf1AVX2, leaf7EBX: 1 << 5, xcr0: 0x7)

    func testFeaturesCountOnlyWhatTheOperatingSystemSaves() {
        XCTAssertEqual(Self.avx512.kernelClass, .avx512)
        XCTAssertEqual(Self.avx512.names, ["sse3", "ssse3", "sse4.1", "sse4.2", "avx", "fma", "avx2",
                                           "avx512f", "avx512dq", "avx512bw", "avx512vl"])
        // AVX-512 in the processor but not in XCR0 (a hypervisor hides it): AVX2 class.
        XCTAssertEqual(CPUFeatures(leaf1ECX: Self.leaf1AVX2, leaf7EBX: Self.leaf7AVX512, xcr0: 0x7).kernelClass, .avx2)
        // No OSXSAVE: no AVX at all, whatever XCR0 would say.
        XCTAssertEqual(CPUFeatures(leaf1ECX: Self.leaf1AVX2 & ~(1 << 27), leaf7EBX: Self.leaf7AVX512, xcr0: 0xE7).kernelClass, .sse42)
        // AVX-512 F without BW/DQ/VL (Knights Landing) is not SkylakeX class.
        XCTAssertEqual(CPUFeatures(leaf1ECX: Self.leaf1AVX2, leaf7EBX: 1 << 5 | 1 << 16, xcr0: 0xE7).kernelClass, .avx2)
        XCTAssertEqual(CPUFeatures(leaf1ECX: 1 << 0 | 1 << 27 | 1 << 28, leaf7EBX: 0, xcr0: 0x7).kernelClass, .avx)
        XCTAssertEqual(CPUFeatures(leaf1ECX: 1 << 0, leaf7EBX: 0, xcr0: 0).kernelClass, .sse3)
        #if arch(x86_64)
        XCTAssertNotNil(CPUFeatures.current)
        XCTAssertTrue(CPUFeatures.current?.contains(.sse3) ?? false)
        #endif
    }

    func testKernelSetsByClassAndTheFallbackChain() {
        XCTAssertEqual(BLASKernelClass.allCases.map { BLASCore.preferred(for: $0) },
                       [.prescott, .nehalem, .sandybridge, .haswell, .skylakex])
        XCTAssertEqual(BLASCore.safer(than: .avx512), .haswell)
        XCTAssertEqual(BLASCore.safer(than: .avx2), .sandybridge)
        XCTAssertEqual(BLASCore.safer(than: .sse42), .prescott)
        XCTAssertNil(BLASCore.safer(than: .sse3))
        XCTAssertEqual(blasKernelClass(ofCoreName: "Cooperlake"), .avx512)
        XCTAssertEqual(blasKernelClass(ofCoreName: "ZEN"), .avx2)
        XCTAssertEqual(blasKernelClass(ofCoreName: "Excavator"), .avx)
        XCTAssertEqual(blasKernelClass(ofCoreName: "Core2"), .sse3)
        XCTAssertNil(blasKernelClass(ofCoreName: "Graviton"))
        // The config's words (Config.BLASCoreName, kept equal by hand) are these plus `auto`.
        XCTAssertEqual(BLASCore.allCases.map(\.rawValue),
                       ["cooperlake", "skylakex", "zen", "haswell", "sandybridge", "nehalem", "prescott"])
        XCTAssertEqual(BLASCoreSetting(configWord: "auto"), .auto)
        XCTAssertEqual(BLASCoreSetting(configWord: "SkylakeX"), .named(.skylakex))
        XCTAssertNil(BLASCoreSetting(configWord: "skylake"))
    }

    private func input(_ features: CPUFeatures?, running: String, environment: String? = nil,
                       state: BLASActivationPlan.RestartState? = nil,
                       configured: BLASCoreSetting? = nil) -> BLASActivationPlan.Input {
        BLASActivationPlan.Input(features: features, running: running, environmentCore: environment, state: state,
                                 configured: configured)
    }

    private func restartTarget(_ step: BLASActivationPlan.Step) -> String? {
        if case .restart(let state) = step { return state.target }
        return nil
    }

    func testAnUnknownModelOnAnAVX512ProcessorRestartsWithSkylakeX() {
        // The Xeon: OpenBLAS 0.3.21 does not know the model and loads Prescott.
        let step = BLASActivationPlan.step(input(Self.avx512, running: "Prescott"))
        guard case .restart(let state) = step else { return XCTFail("\(step)") }
        XCTAssertEqual(state.target, "SkylakeX")
        XCTAssertEqual(state.source, .detected)
        XCTAssertEqual(state.restarts, 1)
        // In the new image the set is right: check it, and it settles as detected.
        let next = BLASActivationPlan.step(input(Self.avx512, running: "SkylakeX", environment: "SkylakeX", state: state))
        guard case .check(let plan) = next else { return XCTFail("\(next)") }
        let check = BLASSelfCheck(worstError: 0.01, worstAt: "sgemm 35x29x41", forced: false, seconds: 0.001)
        let selection = BLASActivationPlan.settle(plan, running: "SkylakeX", check: check, features: Self.avx512)
        XCTAssertEqual(selection.source, .detected)
        XCTAssertEqual(selection.description, "SkylakeX (detected from AVX-512 (F, BW, DQ, VL))")
        XCTAssertEqual(selection.restarts, 1)
        XCTAssertEqual(selection.warnings, [])
    }

    func testOpenBLASsOwnChoiceOfTheRightClassIsKept() {
        XCTAssertEqual(BLASActivationPlan.step(input(Self.avx512, running: "Cooperlake")),
                       .check(.init(source: .detected, requested: "Cooperlake", target: "Cooperlake", failed: [], notes: [], restarts: 0)))
        if case .check = BLASActivationPlan.step(input(Self.avx2, running: "Zen")) {} else { XCTFail("Zen on AVX2 restarts") }
        // Too wide for the features (AVX-512 hidden by the hypervisor): down to Haswell.
        XCTAssertEqual(restartTarget(BLASActivationPlan.step(input(Self.avx2, running: "SkylakeX"))), "Haswell")
        // Not x86-64: whatever OpenBLAS loaded, checked, reported as its own choice.
        guard case .check(let plan) = BLASActivationPlan.step(input(nil, running: "NEOVERSEN1")) else { return XCTFail() }
        let check = BLASSelfCheck(worstError: 0, worstAt: "", forced: false, seconds: 0)
        XCTAssertEqual(BLASActivationPlan.settle(plan, running: "NEOVERSEN1", check: check, features: nil).source, .library)
    }

    func testTheEnvironmentWinsOverTheConfigAndTheConfigOverTheFeatures() {
        let fromEnvironment = BLASActivationPlan.step(
            input(Self.avx512, running: "Haswell", environment: "Haswell", configured: .named(.skylakex)))
        guard case .check(let plan) = fromEnvironment else { return XCTFail("\(fromEnvironment)") }
        XCTAssertEqual(plan.source, .environment)
        XCTAssertEqual(plan.notes, ["engine.blas_core: skylakex is not used: OPENBLAS_CORETYPE=Haswell is set"])
        // The same when the config is read after the start settled on the environment's set.
        let settledOnEnvironment = BLASActivationPlan.RestartState(
            source: .environment, requested: "Haswell", target: "Haswell", failed: [], notes: [], restarts: 0)
        XCTAssertEqual(BLASActivationPlan.step(input(Self.avx512, running: "Haswell", state: settledOnEnvironment,
                                                     configured: .named(.skylakex))),
                       .check(.init(source: .environment, requested: "Haswell", target: "Haswell", failed: [],
                                    notes: ["engine.blas_core: skylakex is not used: OPENBLAS_CORETYPE=Haswell is set"],
                                    restarts: 0)))

        let fromConfig = BLASActivationPlan.step(input(Self.avx512, running: "Cooperlake", configured: .named(.haswell)))
        guard case .restart(let state) = fromConfig else { return XCTFail("\(fromConfig)") }
        XCTAssertEqual(state.target, "Haswell")
        XCTAssertEqual(state.source, .config)
        XCTAssertEqual(state.requested, "haswell")

        // A set the processor cannot run is not loaded (it would stop at the first
        // instruction it lacks), with a note naming the setting.
        let tooWide = BLASActivationPlan.step(input(Self.avx2, running: "Haswell", configured: .named(.skylakex)))
        guard case .check(let kept) = tooWide else { return XCTFail("\(tooWide)") }
        XCTAssertEqual(kept.notes, ["engine.blas_core: skylakex needs AVX-512 (F, BW, DQ, VL), which this processor or its operating system does not offer; using Haswell"])
        XCTAssertEqual(restartTarget(BLASActivationPlan.step(input(Self.avx2, running: "SkylakeX", environment: "SkylakeX"))),
                       "Haswell")
        // A name OpenBLAS does not know: it loaded its own choice; the features decide.
        let unknown = BLASActivationPlan.step(input(Self.avx512, running: "Prescott", environment: "Skylake"))
        guard case .restart(let fixed) = unknown else { return XCTFail("\(unknown)") }
        XCTAssertEqual(fixed.target, "SkylakeX")
        XCTAssertEqual(fixed.notes.first?.hasPrefix("OPENBLAS_CORETYPE=Skylake is not a kernel set"), true)
    }

    func testTheConfigReadLaterRestartsOnlyWhenItChangesTheChoice() {
        let settled = BLASActivationPlan.RestartState(source: .detected, requested: nil, target: "Cooperlake", failed: [],
                                                      notes: [], restarts: 0)
        XCTAssertEqual(restartTarget(BLASActivationPlan.step(
            input(Self.avx512, running: "Cooperlake", state: settled, configured: .named(.sandybridge)))), "Sandybridge")
        if case .restart = BLASActivationPlan.step(input(Self.avx512, running: "Cooperlake", state: settled, configured: .auto)) {
            XCTFail("auto restarted")
        }
        // After a fallback the config does not bring the failed set back.
        let failed = BLASKernelSelection.FailedCheck(
            kernelSet: "SkylakeX", check: BLASSelfCheck(worstError: 50, worstAt: "sgemv 300x257", forced: false, seconds: 0))
        let fellBack = BLASActivationPlan.RestartState(source: .detected, requested: nil, target: "Haswell", failed: [failed],
                                                       notes: [], restarts: 1)
        if case .restart = BLASActivationPlan.step(
            input(Self.avx512, running: "Haswell", state: fellBack, configured: .named(.skylakex))) {
            XCTFail("a failed kernel set was taken back")
        }
        // One that has not failed is honoured, and reported as the config's with the failure.
        let step = BLASActivationPlan.step(input(Self.avx512, running: "Haswell", state: fellBack, configured: .named(.sandybridge)))
        guard case .restart(let toConfig) = step else { return XCTFail("\(step)") }
        XCTAssertEqual(toConfig.target, "Sandybridge")
        let good = BLASSelfCheck(worstError: 0.01, worstAt: "sgemv 300x257", forced: false, seconds: 0)
        let selection = BLASActivationPlan.settle(toConfig, running: "Sandybridge", check: good, features: Self.avx512)
        XCTAssertEqual(selection.source, .config)
        XCTAssertEqual(selection.failedChecks.map(\.kernelSet), ["SkylakeX"])
    }

    func testARestartThatDidNotLoadTheSetDoesNotLoop() {
        let asked = BLASActivationPlan.RestartState(source: .detected, requested: nil, target: "SkylakeX", failed: [],
                                                    notes: [], restarts: 1)
        let step = BLASActivationPlan.step(input(Self.avx512, running: "Prescott", environment: "SkylakeX", state: asked))
        guard case .check(let plan) = step else { return XCTFail("\(step)") }
        XCTAssertEqual(plan.target, "Prescott")
        XCTAssertEqual(plan.notes, ["OpenBLAS was asked for kernel set SkylakeX and loaded Prescott"])
    }

    func testAFailedCheckFallsBackOneClassAtATimeUntilPrescott() throws {
        let bad = BLASSelfCheck(worstError: 3e4, worstAt: "sgemm 100x72x136", forced: false, seconds: 0)
        var plan = BLASActivationPlan.RestartState(source: .config, requested: "skylakex", target: "SkylakeX", failed: [],
                                                   notes: [], restarts: 1)
        var tried: [String] = []
        for running in ["SkylakeX", "Haswell", "Sandybridge", "Nehalem"] {
            plan = try XCTUnwrap(BLASActivationPlan.afterFailedCheck(plan, running: running, check: bad, features: Self.avx512))
            tried.append(plan.target)
        }
        XCTAssertEqual(tried, ["Haswell", "Sandybridge", "Nehalem", "Prescott"])
        XCTAssertNil(BLASActivationPlan.afterFailedCheck(plan, running: "Prescott", check: bad, features: Self.avx512))
        let good = BLASSelfCheck(worstError: 0.02, worstAt: "sgemm 35x29x41", forced: false, seconds: 0)
        let selection = BLASActivationPlan.settle(plan, running: "Prescott", check: good, features: Self.avx512)
        XCTAssertEqual(selection.source, .fallback)
        XCTAssertEqual(selection.requested, "skylakex")
        XCTAssertEqual(selection.warnings.first,
                       "BLAS kernel set SkylakeX failed the start-up check (sgemm 100x72x136 off by 3.0e+04 times the rounding bound); using Prescott")
        // The state survives the trip through the environment.
        let encoded = try JSONEncoder().encode(plan)
        XCTAssertEqual(try JSONDecoder().decode(BLASActivationPlan.RestartState.self, from: encoded), plan)
    }

    func testTheStartUpCheckPassesWithTheLoadedKernelsAndCatchesACorruptedResult() {
        let check = BLASSelfCheck.run()
        XCTAssertTrue(check.passed, check.summary)
        XCTAssertLessThan(check.worstError, 0.1, "rounding should sit far below the bound: \(check.summary)")
        XCTAssertLessThan(check.seconds, 0.25)
        let forced = BLASSelfCheck.run(forceFailure: true)
        XCTAssertFalse(forced.passed)
        XCTAssertEqual(forced.worstAt, "sgemm 35x29x41")
        XCTAssertTrue(forced.summary.hasSuffix("(forced by NARFORMER_TEST_BLAS_CHECK_FAILURES)"), forced.summary)
    }

    func testTheKernelSetInUseAndItsRateAreReported() {
        let current = BLASKernels.current
        XCTAssertEqual(current.kernelSet, BLASKernels.loadedKernelSet)
        XCTAssertFalse(current.kernelSet.isEmpty)
        XCTAssertTrue(BLASKernels.libraryConfig.contains("OpenBLAS"), BLASKernels.libraryConfig)
        let threads = BLASThreads.current
        let rate = BLASKernels.measureSgemmRate(threads: 1, seconds: 0.01)
        XCTAssertGreaterThan(rate, 0.1)
        XCTAssertEqual(BLASThreads.current, threads)
        let report = BLASKernels.report(seconds: 0.01)
        XCTAssertEqual(report.threads, threads)
        XCTAssertTrue(report.line.hasPrefix("\(current.kernelSet) (OpenBLAS's own choice), sgemm "), report.line)
        XCTAssertTrue(report.line.hasSuffix(threads == 1 ? " GFLOP/s at 1 thread" : " GFLOP/s at \(threads) threads"), report.line)
    }
}
