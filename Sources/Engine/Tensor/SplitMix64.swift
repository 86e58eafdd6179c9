/// A tiny seeded generator (SplitMix64): initialisation, dropout masks and pairings are
/// reproducible from one seed, independent of the standard library's generator.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 bits, exactly representable as Float.
    public mutating func nextUnit() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [-bound, bound).
    public mutating func nextSymmetric(_ bound: Float) -> Float {
        (nextUnit() * 2 - 1) * bound
    }
}
