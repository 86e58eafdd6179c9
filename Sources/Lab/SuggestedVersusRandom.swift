import Foundation

/// The suggested order against random orders on one new platform: MAPE of the active
/// model on the same fixed set after each drop (`narformer-lab bench learning-curve
/// --suggested-vs-random N`).
package struct SuggestedVersusRandom {
    package var suggested: LatencyLearningCurve.Curve
    package var random: [LatencyLearningCurve.Curve]

    package init(suggested: LatencyLearningCurve.Curve, random: [LatencyLearningCurve.Curve]) {
        self.suggested = suggested
        self.random = random
    }

    /// MAPE of a curve after `measurements` (the starting model's before the first drop).
    static func mape(_ curve: LatencyLearningCurve.Curve, after measurements: Int) -> Double? {
        if measurements == 0 { return curve.start.mape }
        return curve.points.first { $0.measurements == measurements }?.model.mape
    }

    /// The mean MAPE of the random orders after `measurements`; nil unless every order has the point.
    package func randomMean(after measurements: Int) -> Double? {
        let values = random.compactMap { Self.mape($0, after: measurements) }
        guard values.count == random.count, !values.isEmpty else { return nil }
        return values.reduce(0, +) / Double(values.count)
    }

    /// 1 - suggested / mean random after `measurements`: the relative reduction of MAPE.
    package func reduction(after measurements: Int) -> Double? {
        guard let mean = randomMean(after: measurements), let mine = Self.mape(suggested, after: measurements), mean > 0 else { return nil }
        return 1 - mine / mean
    }

    package func table() -> String {
        var out = "| measurements | suggested: MAPE (active) | random, mean of \(random.count) | "
            + random.map { "\($0.name)" }.joined(separator: " | ") + " | reduction |\n"
        out += "|" + String(repeating: "---|", count: 4 + random.count) + "\n"
        let counts = [0] + suggested.points.map(\.measurements)
        for n in counts {
            let active = n == 0 ? "v0" : suggested.points.first { $0.measurements == n }.map { "v\($0.activeVersion)" } ?? "-"
            out += "| \(n) | " + (Self.mape(suggested, after: n).map { String(format: "%.2f%% (%@)", $0, active) } ?? "-")
                + " | " + (randomMean(after: n).map { String(format: "%.2f%%", $0) } ?? "-") + " | "
                + random.map { curve in Self.mape(curve, after: n).map { String(format: "%.2f%%", $0) } ?? "-" }
                    .joined(separator: " | ")
                + " | " + (reduction(after: n).map { String(format: "%+.0f%%", 100 * $0) } ?? "-") + " |\n"
        }
        return out
    }

    package func chart(title: String) -> LearningCurveChart {
        func line(_ curve: LatencyLearningCurve.Curve) -> [(x: Double, y: Double)] {
            [(0, curve.start.mape)] + curve.points.map { (Double($0.measurements), $0.model.mape) }
        }
        let counts = [0] + suggested.points.map(\.measurements)
        var series: [LearningCurveChart.Series] = [
            .init(label: "suggested order", color: LearningCurveChart.palette[0], points: line(suggested)),
            .init(label: "random orders, mean of \(random.count)", color: LearningCurveChart.palette[1],
                  points: counts.compactMap { n in randomMean(after: n).map { (Double(n), $0) } }),
        ]
        for curve in random {
            series.append(.init(label: curve.name, color: "#bbbbbb", dashed: true, points: line(curve)))
        }
        return LearningCurveChart(title: title, series: series)
    }
}
