import Foundation

/// Which OpenBLAS kernel set this process computes with, and why.
public struct BLASKernelSelection: Sendable, Codable, Equatable {
    /// How the kernel set was chosen.
    public enum Source: String, Sendable, Codable {
        /// From the processor's features (`engine.blas_core: auto`, no `OPENBLAS_CORETYPE`).
        case detected
        /// `engine.blas_core` names it.
        case config
        /// `OPENBLAS_CORETYPE` was set when the program started.
        case environment
        /// What was chosen failed the start-up check; this is the next safer set that passed.
        case fallback
        /// OpenBLAS's own choice, not looked at (not x86-64, or `BLASKernels.activate` was
        /// not called in this process).
        case library
    }

    /// A kernel set that computed wrong results in the start-up check.
    public struct FailedCheck: Sendable, Codable, Equatable {
        public var kernelSet: String
        public var check: BLASSelfCheck
    }

    /// `openblas_get_corename()`: the kernel set in use.
    public var kernelSet: String
    public var source: Source
    /// The name asked for before any fallback (config word or `OPENBLAS_CORETYPE`), or the
    /// set chosen from the features; nil for `library`.
    public var requested: String?
    /// The processor's class ("AVX-512 (F, BW, DQ, VL)") and features; nil off x86-64.
    public var cpuClass: String?
    public var cpuFeatures: [String]?
    /// The check of the kernel set in use (nil for `library`).
    public var check: BLASSelfCheck?
    /// Sets that failed the check during this start, in the order they were tried.
    public var failedChecks: [FailedCheck]
    /// What a reader should know about the choice (a setting that was overruled and why).
    public var notes: [String]
    /// How often the program restarted itself to load another kernel set.
    public var restarts: Int

    /// Warnings for the start-up log: each failed check, and each overruled setting.
    public var warnings: [String] {
        failedChecks.map { "BLAS kernel set \($0.kernelSet) failed the start-up check (\($0.check.summary)); using \(kernelSet)" }
            + notes
    }

    /// One line: "SkylakeX (detected from AVX-512 (F, BW, DQ, VL))".
    public var description: String {
        let why: String
        switch source {
        case .detected: why = "detected from \(cpuClass ?? "the processor's features")"
        case .config: why = "engine.blas_core: \(requested?.lowercased() ?? kernelSet.lowercased())"
        case .environment: why = "OPENBLAS_CORETYPE=\(requested ?? kernelSet)"
        case .fallback:
            why = "fallback: " + failedChecks.map(\.kernelSet).joined(separator: ", ") + " failed the start-up check"
        case .library: why = "OpenBLAS's own choice"
        }
        return "\(kernelSet) (\(why))"
    }
}

/// The kernel set with its measured sgemm rate: what the daemon's start-up log and status
/// file carry (`BLASKernels.report`).
public struct BLASKernelReport: Sendable, Codable, Equatable {
    public var selection: BLASKernelSelection
    /// `BLASKernels.measureSgemmRate` at `threads` OpenBLAS threads.
    public var sgemmGFLOPS: Double
    public var threads: Int

    // `sgemmGflops` so that snake_case JSON (`sgemm_gflops`) reads back to this name.
    enum CodingKeys: String, CodingKey {
        case selection, sgemmGFLOPS = "sgemmGflops", threads
    }

    public init(selection: BLASKernelSelection, sgemmGFLOPS: Double, threads: Int) {
        self.selection = selection
        self.sgemmGFLOPS = sgemmGFLOPS
        self.threads = threads
    }

    /// "Cooperlake (detected from AVX-512 (F, BW, DQ, VL)), sgemm 158.3 GFLOP/s at 2 threads".
    public var line: String {
        "\(selection.description), sgemm \(String(format: "%.1f", sgemmGFLOPS)) GFLOP/s at \(threads) thread\(threads == 1 ? "" : "s")"
    }
}
