import Foundation

/// How a NAS-Bench-201 cell's 8 nodes become 128-wide token rows: 64 columns encoding the
/// node's operation code, then 64 encoding its row, each 32 (sin, cos) pairs interleaved.
public enum CellEncoding: String, Sendable, CaseIterable, Codable {
    /// This project's cell tokens (the default): Transformer sinusoids, frequencies
    /// 10000^(-j/32), op codes input 0, none 1, skip_connect 2, nor_conv_1x1 3,
    /// nor_conv_3x3 4, avg_pool_3x3 5, output 6. Computed in double precision.
    case trans
    /// The authors' NAS-Bench-201 training setup (`--embed_type nerf`): NeRF-style
    /// sinusoids of x * pi * f_j with 32 frequencies f_j spaced *linearly* from 1 to 2^31
    /// (`linspace(2^0, 2^31, 32)`), op codes input 0, nor_conv_1x1 1, nor_conv_3x3 2,
    /// avg_pool_3x3 3, skip_connect 4, none 5, output 6. Their numpy code multiplies in
    /// float32 ((x * pi) * f_j, each product rounded to float32), which at these frequencies
    /// decides the sines, so this does the same; the sine itself is taken in double of the
    /// float32 argument and rounded.
    case nerf

    /// The name checkpoints store as `token_encoding` and token caches key on.
    public var storedName: String {
        switch self {
        case .trans: return ModelTokens.cell.storedName
        case .nerf: return "nb201-cell-nerf-\(NB201Cell.tokenDim)"
        }
    }

    /// The encoding a stored name names; nil for a name that is not a cell encoding.
    public init?(storedName: String) {
        guard let match = Self.allCases.first(where: { $0.storedName == storedName }) else { return nil }
        self = match
    }

    /// Op code of each of `NB201Cell.operations` (none, skip, 1x1, 3x3, avg pool); input
    /// and output are 0 and 6 in both encodings.
    var operationCodes: [Int] {
        switch self {
        case .trans: return [1, 2, 3, 4, 5]
        case .nerf: return [5, 4, 1, 2, 3]
        }
    }

    static let transFrequencies: [Double] = (0..<32).map { pow(10000.0, -Double($0) / 32.0) }
    /// numpy's `linspace(1, 2**31, 32)` rounded to float32, as the authors' float32
    /// products use it.
    static let nerfFrequencies: [Float] = (0..<32).map { Float(1 + Double($0) * (2147483648.0 - 1) / 31) }

    /// pi rounded to the nearest float32, as numpy converts it (Swift's `Float.pi` rounds
    /// toward zero, one ulp lower).
    static let pi = Float(Double.pi)

    /// Writes the 32 (sin, cos) pairs of `value` at `out[offset...]`.
    func write(_ value: Int, into out: inout [Float], at offset: Int) {
        for j in 0..<32 {
            let argument: Double
            switch self {
            case .trans: argument = Double(value) * Self.transFrequencies[j]
            case .nerf: argument = Double(Float(value) * Self.pi * Self.nerfFrequencies[j])
            }
            out[offset + 2 * j] = Float(sin(argument))
            out[offset + 2 * j + 1] = Float(cos(argument))
        }
    }
}
