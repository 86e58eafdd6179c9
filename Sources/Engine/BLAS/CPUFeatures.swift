#if arch(x86_64)
import CBLAS
#endif

/// The vector instructions this processor has *and* the operating system saves across
/// context switches (a hypervisor or kernel may hide AVX-512 on a processor that has it).
/// OpenBLAS's kernel set is chosen from these, not from the processor's model number: a
/// model that OpenBLAS 0.3.21 does not know (every Xeon since Sapphire Rapids) otherwise
/// gets its slowest, SSE3 kernels.
public struct CPUFeatures: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let sse3 = CPUFeatures(rawValue: 1 << 0)
    public static let ssse3 = CPUFeatures(rawValue: 1 << 1)
    public static let sse41 = CPUFeatures(rawValue: 1 << 2)
    public static let sse42 = CPUFeatures(rawValue: 1 << 3)
    public static let avx = CPUFeatures(rawValue: 1 << 4)
    public static let fma = CPUFeatures(rawValue: 1 << 5)
    public static let avx2 = CPUFeatures(rawValue: 1 << 6)
    public static let avx512f = CPUFeatures(rawValue: 1 << 7)
    public static let avx512dq = CPUFeatures(rawValue: 1 << 8)
    public static let avx512bw = CPUFeatures(rawValue: 1 << 9)
    public static let avx512vl = CPUFeatures(rawValue: 1 << 10)

    static let names: [(CPUFeatures, String)] = [
        (.sse3, "sse3"), (.ssse3, "ssse3"), (.sse41, "sse4.1"), (.sse42, "sse4.2"), (.avx, "avx"), (.fma, "fma"),
        (.avx2, "avx2"), (.avx512f, "avx512f"), (.avx512dq, "avx512dq"), (.avx512bw, "avx512bw"), (.avx512vl, "avx512vl"),
    ]

    /// Lower-case names as /proc/cpuinfo spells them, in a fixed order.
    public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }

    /// Decodes CPUID leaf 1 (ECX), leaf 7 subleaf 0 (EBX) and XCR0. `osxsave` is
    /// CPUID.1:ECX bit 27; without it no AVX state is saved and AVX counts as absent.
    /// AVX and AVX-512 count only when XCR0 has their state bits (AVX: 1-2, AVX-512: 5-7).
    public init(leaf1ECX: UInt32, leaf7EBX: UInt32, xcr0: UInt64) {
        func bit(_ word: UInt32, _ n: UInt32) -> Bool { word & (1 << n) != 0 }
        var f = CPUFeatures()
        if bit(leaf1ECX, 0) { f.insert(.sse3) }
        if bit(leaf1ECX, 9) { f.insert(.ssse3) }
        if bit(leaf1ECX, 19) { f.insert(.sse41) }
        if bit(leaf1ECX, 20) { f.insert(.sse42) }
        let osAVX = bit(leaf1ECX, 27) && xcr0 & 0x6 == 0x6
        let osAVX512 = osAVX && xcr0 & 0xE0 == 0xE0
        if osAVX {
            if bit(leaf1ECX, 28) { f.insert(.avx) }
            if bit(leaf1ECX, 12) { f.insert(.fma) }
            if bit(leaf7EBX, 5) { f.insert(.avx2) }
        }
        if osAVX512 {
            if bit(leaf7EBX, 16) { f.insert(.avx512f) }
            if bit(leaf7EBX, 17) { f.insert(.avx512dq) }
            if bit(leaf7EBX, 30) { f.insert(.avx512bw) }
            if bit(leaf7EBX, 31) { f.insert(.avx512vl) }
        }
        self = f
    }

    /// This processor's, or nil where it is not x86-64 (OpenBLAS then keeps its own choice).
    public static let current: CPUFeatures? = {
        #if arch(x86_64)
        var regs: [UInt32] = [0, 0, 0, 0]
        guard narformer_cpuid(0, 0, &regs) != 0 else { return CPUFeatures() }
        let maxLeaf = regs[0]
        guard narformer_cpuid(1, 0, &regs) != 0 else { return CPUFeatures() }
        let ecx1 = regs[2]
        var ebx7: UInt32 = 0
        if maxLeaf >= 7, narformer_cpuid(7, 0, &regs) != 0 { ebx7 = regs[1] }
        let xcr0: UInt64 = ecx1 & (1 << 27) != 0 ? UInt64(narformer_xgetbv0()) : 0
        return CPUFeatures(leaf1ECX: ecx1, leaf7EBX: ebx7, xcr0: xcr0)
        #else
        return nil
        #endif
    }()

    /// The widest class of kernels these features run.
    public var kernelClass: BLASKernelClass {
        if isSuperset(of: [.avx512f, .avx512bw, .avx512dq, .avx512vl, .avx2, .fma]) { return .avx512 }
        if isSuperset(of: [.avx2, .fma, .avx]) { return .avx2 }
        if contains(.avx) { return .avx }
        if contains(.sse42) { return .sse42 }
        return .sse3
    }
}

/// Instruction-set classes of OpenBLAS's x86-64 kernel sets, ordered from the most
/// portable to the widest. A kernel set runs on a processor whose class is at least its own.
public enum BLASKernelClass: Int, Sendable, Comparable, Codable, CaseIterable {
    case sse3, sse42, avx, avx2, avx512

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// How reports name it.
    public var label: String {
        switch self {
        case .sse3: "SSE3"
        case .sse42: "SSE4.2"
        case .avx: "AVX"
        case .avx2: "AVX2+FMA"
        case .avx512: "AVX-512 (F, BW, DQ, VL)"
        }
    }
}
