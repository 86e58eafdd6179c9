import Foundation

/// A size in bytes, as people write it in the config: `512MiB`, `8GiB`, `1GB`, `1.5GiB`,
/// or a plain number of bytes.
///
/// Binary units (KiB, MiB, GiB, TiB) are powers of 1024, decimal ones (KB, MB, GB, TB)
/// powers of 1000. Units are matched without regard to case. A bare `K`, `M` or `G` is
/// refused because it does not say which of the two is meant.
public struct ByteSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let bytes: Int

    public init(bytes: Int) {
        self.bytes = bytes
    }

    public static func kibibytes(_ count: Int) -> ByteSize { ByteSize(bytes: count << 10) }
    public static func mebibytes(_ count: Int) -> ByteSize { ByteSize(bytes: count << 20) }
    public static func gibibytes(_ count: Int) -> ByteSize { ByteSize(bytes: count << 30) }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }

    static let units: [(symbol: String, factor: Double)] = [
        ("b", 1),
        ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12),
        ("kib", 0x1p10), ("mib", 0x1p20), ("gib", 0x1p30), ("tib", 0x1p40),
    ]

    /// The size, or a sentence saying what is wrong with the text.
    public static func parse(_ text: String) -> Result<ByteSize, ByteSizeFormatError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let number = trimmed.prefix(while: { ($0.isASCII && $0.isNumber) || $0 == "." || $0 == "_" })
        let unit = trimmed.dropFirst(number.count).trimmingCharacters(in: .whitespaces).lowercased()
        guard !number.isEmpty else {
            return .failure(.init(text: text, reason: "it does not start with a number"))
        }
        guard let value = Double(number.replacingOccurrences(of: "_", with: "")), value.isFinite else {
            return .failure(.init(text: text, reason: "'\(number)' is not a number"))
        }
        let factor: Double
        if unit.isEmpty {
            factor = 1
        } else if let known = units.first(where: { $0.symbol == unit }) {
            factor = known.factor
        } else if ["k", "m", "g", "t"].contains(unit) {
            return .failure(.init(text: text, reason: "'\(unit.uppercased())' is ambiguous: write \(unit.uppercased())iB (binary) or \(unit.uppercased())B (decimal)"))
        } else {
            return .failure(.init(text: text, reason: "'\(unit)' is not a unit of size"))
        }
        let bytes = (value * factor).rounded(.down)
        guard bytes < 0x1p62 else {
            return .failure(.init(text: text, reason: "it is too large"))
        }
        return .success(ByteSize(bytes: Int(bytes)))
    }

    /// The shortest exact binary form (`1GiB`, `1536MiB`), or plain bytes.
    public var description: String {
        for (symbol, shift) in [("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)] where bytes > 0 {
            let unit = 1 << shift
            if bytes % unit == 0 { return "\(bytes / unit)\(symbol)" }
        }
        return "\(bytes)"
    }
}

/// Why a size did not parse.
public struct ByteSizeFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String

    public var description: String {
        "'\(text)' is not a size: \(reason); write it like 512MiB, 8GiB, 1GB or a number of bytes"
    }
}
