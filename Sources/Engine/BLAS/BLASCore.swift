/// OpenBLAS kernel sets that can be asked for by name (`engine.blas_core`, the environment
/// variable `OPENBLAS_CORETYPE`). The raw value is the config word; `openBLASName` is how
/// OpenBLAS 0.3.21 spells it in `OPENBLAS_CORETYPE` and `openblas_get_corename()`.
///
/// The config's list of words (Sources/Config/EngineConfig.swift, `BLASCoreName`) is the same
/// list; the two are kept equal by hand because Config does not depend on Engine
/// (BLASKernelsTests checks the words this side).
public enum BLASCore: String, Sendable, CaseIterable, Codable {
    case cooperlake, skylakex, zen, haswell, sandybridge, nehalem, prescott

    public var openBLASName: String {
        switch self {
        case .cooperlake: "Cooperlake"
        case .skylakex: "SkylakeX"
        case .zen: "Zen"
        case .haswell: "Haswell"
        case .sandybridge: "Sandybridge"
        case .nehalem: "Nehalem"
        case .prescott: "Prescott"
        }
    }

    /// Any spelling of a config word or an OpenBLAS name, case ignored.
    public init?(name: String) {
        let lower = name.lowercased()
        guard let core = Self.allCases.first(where: { $0.rawValue == lower }) else { return nil }
        self = core
    }

    public var kernelClass: BLASKernelClass {
        switch self {
        case .cooperlake, .skylakex: .avx512
        case .zen, .haswell: .avx2
        case .sandybridge: .avx
        case .nehalem: .sse42
        case .prescott: .sse3
        }
    }

    /// The kernel set chosen for a class of processor: the generic one of each class (the
    /// model-specific ones, Cooperlake and Zen, only when OpenBLAS picked them itself or
    /// someone asked for them).
    public static func preferred(for kernelClass: BLASKernelClass) -> BLASCore {
        switch kernelClass {
        case .avx512: .skylakex
        case .avx2: .haswell
        case .avx: .sandybridge
        case .sse42: .nehalem
        case .sse3: .prescott
        }
    }

    /// Where a kernel set of `kernelClass` that failed the start-up check falls back to: the
    /// preferred set of the next narrower class; nil below SSE4.2 (Prescott is the last).
    public static func safer(than kernelClass: BLASKernelClass) -> BLASCore? {
        BLASKernelClass(rawValue: kernelClass.rawValue - 1).map(preferred(for:))
    }
}

/// The class of a kernel-set name as `openblas_get_corename()` returns it, for every x86-64
/// set that OpenBLAS 0.3.21 (DYNAMIC_ARCH) has; nil for a name it does not list.
public func blasKernelClass(ofCoreName name: String) -> BLASKernelClass? {
    if let core = BLASCore(name: name) { return core.kernelClass }
    switch name.lowercased() {
    case "sapphirerapids": return .avx512
    case "bulldozer", "piledriver", "steamroller", "excavator": return .avx
    case "katmai", "coppermine", "northwood", "banias", "athlon", "atom", "core2", "penryn", "dunnington",
         "opteron", "opteron_sse3", "barcelona", "nano", "bobcat":
        return .sse3
    default: return nil
    }
}

/// `engine.blas_core`: a named kernel set, or `auto` (from the processor's features).
public enum BLASCoreSetting: Sendable, Equatable {
    case auto
    case named(BLASCore)

    /// `auto` or one of `BLASCore`'s words; nil for anything else.
    public init?(configWord: String) {
        if configWord.lowercased() == "auto" { self = .auto; return }
        guard let core = BLASCore(name: configWord) else { return nil }
        self = .named(core)
    }
}
