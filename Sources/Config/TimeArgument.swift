import Foundation

/// A point in time on the command line: ISO 8601 (`2026-11-29T18:00:00Z`, `2026-11-29`)
/// or a duration back from now (`24h`, `30m`, `7d`).
public enum TimeArgument {
    public static func parse(_ text: String, now: Date = Date()) -> Date? {
        if case .success(let duration) = DurationFormat.parse(text) {
            let components = duration.components
            return now.addingTimeInterval(-(Double(components.seconds) + Double(components.attoseconds) / 1e18))
        }
        let full = ISO8601DateFormatter()
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = full.date(from: text) { return date }
        full.formatOptions = [.withInternetDateTime]
        if let date = full.date(from: text) { return date }
        full.formatOptions = [.withFullDate]
        return full.date(from: text)
    }
}
