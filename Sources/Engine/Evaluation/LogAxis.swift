import Foundation

/// A base-10 logarithmic axis over positive values: its range (padded a little so no
/// point sits on the frame) and its ticks. Decades are the labelled ticks; when the data
/// span less than two decades, 2x and 5x ticks are labelled too, and below 0.7 decades
/// every multiple, so a narrow axis (accuracies of 85-95%) still has readable labels.
struct LogAxis {
    /// Range ends, in data units.
    var low: Double
    var high: Double
    var majorTicks: [Double]
    var minorTicks: [Double]

    init(values: [Double]) {
        let logs = values.filter { $0 > 0 && $0.isFinite }.map(log10)
        var lo = logs.min() ?? 0, hi = logs.max() ?? 1
        if hi - lo < 0.1 { let mid = (lo + hi) / 2; lo = mid - 0.05; hi = mid + 0.05 }
        let pad = (hi - lo) * 0.05
        lo -= pad
        hi += pad
        low = pow(10, lo)
        high = pow(10, hi)

        let decades = Int(floor(lo))...Int(ceil(hi))
        let dense = hi - lo < 2
        let veryDense = hi - lo < 0.7
        var major: [Double] = [], minor: [Double] = []
        for decade in decades {
            let base = pow(10, Double(decade))
            for multiple in 1...9 {
                let value = base * Double(multiple)
                guard value >= low, value <= high else { continue }
                if multiple == 1 || veryDense || (dense && (multiple == 2 || multiple == 5)) {
                    major.append(value)
                } else {
                    minor.append(value)
                }
            }
        }
        if major.count < 3 {
            // Too narrow for multiples of powers of ten: evenly spaced round numbers.
            let step = Self.roundStep((high - low) / 5)
            major = stride(from: (low / step).rounded(.up) * step, through: high, by: step).map { $0 }
            minor = []
        }
        majorTicks = major
        minorTicks = minor
    }

    /// The 1, 2 or 5 times a power of ten nearest above `rough`.
    static func roundStep(_ rough: Double) -> Double {
        let power = pow(10, floor(log10(rough)))
        return [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
    }

    /// Where `value` falls, 0 at `low`, 1 at `high`.
    func fraction(_ value: Double) -> Double {
        (log10(value) - log10(low)) / (log10(high) - log10(low))
    }

    /// `0.01`, `0.5`, `1`, `20`, `1000`, `1e+06`.
    static func label(_ value: Double) -> String {
        String(format: "%g", value)
    }
}
