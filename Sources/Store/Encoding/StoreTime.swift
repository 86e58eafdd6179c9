import Foundation

/// Times are stored as whole milliseconds since 1970 (UTC), rounded to the nearest one, both in
/// keys and values, so a "since T" scan and a stored time always agree on which side T is.
enum StoreTime {
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// `date` rounded the way the store rounds it.
    static func normalized(_ date: Date) -> Date {
        self.date(milliseconds: milliseconds(date))
    }
}
