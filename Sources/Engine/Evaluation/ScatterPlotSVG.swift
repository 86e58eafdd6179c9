import Foundation

/// Predicted against measured on log-log axes, as a standalone SVG a person reads at a
/// glance: the y = x line, the +/-10% band shaded around it, one colour per family
/// with a legend, and the headline metrics in the top-left corner (where a good
/// predictor leaves no points: low measured, high predicted).
public struct ScatterPlotSVG: Sendable {
    public struct Point: Sendable, Equatable {
        public var measured: Double
        public var predicted: Double
        public var family: String

        public init(measured: Double, predicted: Double, family: String) {
            self.measured = measured
            self.predicted = predicted
            self.family = family
        }
    }

    public var title: String
    public var points: [Point]
    public var metrics: EvaluationMetrics?
    public var xLabel: String
    public var yLabel: String

    public init(title: String, points: [Point], metrics: EvaluationMetrics? = nil,
                xLabel: String = "measured latency (ms)", yLabel: String = "predicted latency (ms)") {
        self.title = title
        self.points = points
        self.metrics = metrics
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    public func write(to url: URL) throws {
        do {
            try Data(render().utf8).write(to: url, options: .atomic)
        } catch {
            throw EvaluationError("\(url.path): cannot write the plot (\(error.localizedDescription))")
        }
    }

    // Layout, in SVG user units.
    private static let plotLeft = 80.0, plotTop = 56.0, plotSize = 520.0
    private static let width = 820.0, height = 650.0

    public func render() -> String {
        let shown = points.filter { $0.measured > 0 && $0.predicted > 0 && $0.measured.isFinite && $0.predicted.isFinite }
        let axis = LogAxis(values: shown.flatMap { [$0.measured, $0.predicted] })
        let families = Array(Set(points.map(\.family))).sorted()
        let colours = Dictionary(uniqueKeysWithValues: families.enumerated().map { ($1, Self.colour($0)) })
        let left = Self.plotLeft, top = Self.plotTop, size = Self.plotSize
        func x(_ value: Double) -> Double { left + axis.fraction(value) * size }
        func y(_ value: Double) -> Double { top + size - axis.fraction(value) * size }

        var svg = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.width)" height="\(Self.height)" viewBox="0 0 \(Self.width) \(Self.height)" font-family="Helvetica, Arial, sans-serif" font-size="13">
        <rect width="100%" height="100%" fill="white"/>
        <defs><clipPath id="plot"><rect x="\(left)" y="\(top)" width="\(size)" height="\(size)"/></clipPath></defs>
        <text x="\(left + size / 2)" y="32" text-anchor="middle" font-size="18" font-weight="bold">\(Self.escape(title))</text>

        """
        // Grid: decades solid, minor ticks faint.
        for tick in axis.minorTicks {
            svg += "<line x1=\"\(f(x(tick)))\" y1=\"\(f(top))\" x2=\"\(f(x(tick)))\" y2=\"\(f(top + size))\" stroke=\"#eeeeee\"/>\n"
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(left + size))\" y2=\"\(f(y(tick)))\" stroke=\"#eeeeee\"/>\n"
        }
        for tick in axis.majorTicks {
            let label = Self.escape(LogAxis.label(tick))
            svg += "<line x1=\"\(f(x(tick)))\" y1=\"\(f(top))\" x2=\"\(f(x(tick)))\" y2=\"\(f(top + size))\" stroke=\"#d0d0d0\"/>\n"
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(left + size))\" y2=\"\(f(y(tick)))\" stroke=\"#d0d0d0\"/>\n"
            svg += "<text x=\"\(f(x(tick)))\" y=\"\(f(top + size + 20))\" text-anchor=\"middle\">\(label)</text>\n"
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        // The +/-10% band and y = x, drawn past the corners and clipped to the plot.
        let lo = axis.low / 2, hi = axis.high * 2
        svg += "<g clip-path=\"url(#plot)\">\n"
        svg += "<polygon points=\"\(f(x(lo))),\(f(y(lo * 1.1))) \(f(x(hi))),\(f(y(hi * 1.1))) \(f(x(hi))),\(f(y(hi * 0.9))) \(f(x(lo))),\(f(y(lo * 0.9)))\" fill=\"#7fa7d9\" fill-opacity=\"0.45\"/>\n"
        svg += "<line x1=\"\(f(x(lo)))\" y1=\"\(f(y(lo)))\" x2=\"\(f(x(hi)))\" y2=\"\(f(y(hi)))\" stroke=\"#555555\" stroke-width=\"1.2\" stroke-dasharray=\"6 4\"/>\n"
        for point in shown {
            let colour = colours[point.family] ?? "#333333"
            svg += "<circle cx=\"\(f(x(point.measured)))\" cy=\"\(f(y(point.predicted)))\" r=\"3.2\" fill=\"\(colour)\" fill-opacity=\"0.75\" stroke=\"white\" stroke-width=\"0.5\"/>\n"
        }
        svg += "</g>\n"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(size)\" height=\"\(size)\" fill=\"none\" stroke=\"#333333\"/>\n"
        svg += "<text x=\"\(f(left + size / 2))\" y=\"\(f(top + size + 44))\" text-anchor=\"middle\" font-size=\"14\">\(Self.escape(xLabel))</text>\n"
        svg += "<text transform=\"translate(\(f(left - 52)),\(f(top + size / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">\(Self.escape(yLabel))</text>\n"

        svg += metricsBox(left: left + 12, top: top + 12)
        svg += legend(families: families, colours: colours, left: left + size + 24, top: top)
        let hidden = points.count - shown.count
        if hidden > 0 {
            svg += "<text x=\"\(f(left))\" y=\"\(f(Self.height - 12))\" font-size=\"12\" fill=\"#a33\">\(hidden) point(s) with a non-positive value not shown</text>\n"
        }
        svg += "</svg>\n"
        return svg
    }

    private func metricsBox(left: Double, top: Double) -> String {
        let count = metrics?.count ?? points.count
        var lines = ["n = \(count)"]
        if let m = metrics {
            lines.append("MAPE \(MetricsTable.percent(m.mape, digits: 2))")
            lines.append("Acc(10%) \(MetricsTable.percent(m.acc10, digits: 1))")
            lines.append("Kendall \u{03C4} \(MetricsTable.number(m.kendallTau))")
        }
        var svg = "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"150\" height=\"\(f(Double(lines.count) * 20 + 12))\" rx=\"4\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#999999\"/>\n"
        for (i, line) in lines.enumerated() {
            svg += "<text x=\"\(f(left + 10))\" y=\"\(f(top + 22 + Double(i) * 20))\" font-size=\"14\"\(i == 0 ? "" : " font-weight=\"bold\"")>\(Self.escape(line))</text>\n"
        }
        svg += "<text x=\"\(f(left + 6))\" y=\"\(f(top + Double(lines.count) * 20 + 30))\" font-size=\"11\" fill=\"#555555\">shaded: within \u{00B1}10%; dashed: exact</text>\n"
        return svg
    }

    private func legend(families: [String], colours: [String: String], left: Double, top: Double) -> String {
        var counts: [String: Int] = [:]
        for point in points { counts[point.family, default: 0] += 1 }
        var svg = "<text x=\"\(f(left))\" y=\"\(f(top + 12))\" font-weight=\"bold\">family</text>\n"
        for (i, family) in families.enumerated() {
            let rowY = top + 34 + Double(i) * 22
            svg += "<circle cx=\"\(f(left + 6))\" cy=\"\(f(rowY - 4))\" r=\"6\" fill=\"\(colours[family] ?? "#333333")\"/>\n"
            svg += "<text x=\"\(f(left + 18))\" y=\"\(f(rowY))\">\(Self.escape(family)) (\(counts[family] ?? 0))</text>\n"
        }
        return svg
    }

    /// Tableau 10, then evenly spread hues for larger sets.
    static func colour(_ index: Int) -> String {
        let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                       "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
        if index < palette.count { return palette[index] }
        let hue = (Double(index) * 137.508).truncatingRemainder(dividingBy: 360)
        return "hsl(\(Int(hue)),60%,45%)"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
