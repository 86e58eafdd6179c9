import Foundation

/// Durations as people write them in the config: `90s`, `15m`, `6h`, `2d`, `1h30m`, `250ms`.
///
/// A duration is one or more `<whole number><unit>` parts with units from largest to
/// smallest, each at most once. A bare number is refused: `interval: 6` could mean
/// seconds or hours, and guessing wrong would retrain 3600 times too often.
public enum DurationFormat {
    /// Units in the order they must appear, with their length in milliseconds.
    static let units: [(symbol: String, milliseconds: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// The duration, or a sentence saying what is wrong with the text.
    public static func parse(_ text: String) -> Result<Duration, DurationFormatError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return .failure(.init(text: text, reason: "it is empty")) }
        var rest = Substring(trimmed)
        var totalMilliseconds: Int64 = 0
        var lastUnitIndex = -1
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty else {
                return .failure(.init(text: text, reason: "expected a number at '\(rest)'"))
            }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix(while: { $0.isLetter })
            rest = rest.dropFirst(letters.count)
            guard !letters.isEmpty else {
                return .failure(.init(text: text, reason: "'\(digits)' has no unit (use ms, s, m, h or d)"))
            }
            guard let unitIndex = units.firstIndex(where: { $0.symbol == letters }) else {
                return .failure(.init(text: text, reason: "'\(letters)' is not a unit (use ms, s, m, h or d)"))
            }
            guard unitIndex > lastUnitIndex else {
                return .failure(.init(text: text, reason: "units must go from largest to smallest, each once, as in 1h30m"))
            }
            lastUnitIndex = unitIndex
            guard let count = Int64(digits) else {
                return .failure(.init(text: text, reason: "'\(digits)' is too large"))
            }
            let (part, partOverflow) = count.multipliedReportingOverflow(by: units[unitIndex].milliseconds)
            let (sum, sumOverflow) = totalMilliseconds.addingReportingOverflow(part)
            guard !partOverflow, !sumOverflow else {
                return .failure(.init(text: text, reason: "it is too long"))
            }
            totalMilliseconds = sum
        }
        return .success(.milliseconds(totalMilliseconds))
    }

    /// The shortest text that parses back to the same duration (`1h30m`, `0s`);
    /// sub-millisecond parts are dropped.
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        var remaining = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        guard remaining > 0 else { return "0s" }
        var text = ""
        for unit in units where remaining >= unit.milliseconds {
            text += "\(remaining / unit.milliseconds)\(unit.symbol)"
            remaining %= unit.milliseconds
        }
        return text
    }
}

/// Why a duration did not parse.
public struct DurationFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String

    public var description: String {
        "'\(text)' is not a duration: \(reason); write it like 90s, 15m, 6h, 2d or 1h30m"
    }
}
