import Foundation

/// A small SVG line chart of error (percent) against measurements received: one or more
/// series, a dashed 10% line, a legend. Written by hand because it is forty lines and the
/// figures go into the README as they are.
package struct LearningCurveChart {
    package struct Series: Sendable {
        package var label: String
        package var color: String
        package var dashed = false
        /// Points only, no line (e.g. candidates the gate rejected).
        package var markersOnly = false
        /// (measurements, percent); non-finite values are left out.
        package var points: [(x: Double, y: Double)]

        package init(label: String, color: String, dashed: Bool = false, markersOnly: Bool = false, points: [(x: Double, y: Double)]) {
            self.label = label
            self.color = color
            self.dashed = dashed
            self.markersOnly = markersOnly
            self.points = points
        }
    }

    package var title: String
    package var xLabel = "measurements received"
    package var yLabel = "MAPE"
    package var series: [Series]
    /// Values above this are drawn on the top edge (a starting model off by 190% would
    /// otherwise flatten everything else).
    package var yCap = 80.0

    package init(title: String, xLabel: String = "measurements received", yLabel: String = "MAPE", series: [Series], yCap: Double = 80.0) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yCap = yCap
    }

    package static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

    package func svg() -> String {
        let width = 760.0, height = 360.0, left = 60.0, bottom = 44.0, top = 34.0, right = 250.0
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let maxX = max(1, finite.map(\.x).max() ?? 1)
        let maxY = min(yCap, max(20, (finite.map(\.y).max() ?? 20) * 1.1))
        func x(_ value: Double) -> Double { left + value / maxX * (width - left - right) }
        func y(_ value: Double) -> Double { height - bottom - min(value, maxY) / maxY * (height - top - bottom) }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(number(left))\" y=\"20\" font-size=\"13\">\(escaped(title))</text>\n"
        out += "<line x1=\"\(number(left))\" y1=\"\(number(y(0)))\" x2=\"\(number(width - right))\" y2=\"\(number(y(0)))\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(number(left))\" y1=\"\(number(y(0)))\" x2=\"\(number(left))\" y2=\"\(number(top))\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(number(left))\" y1=\"\(number(y(10)))\" x2=\"\(number(width - right))\" y2=\"\(number(y(10)))\" stroke=\"#999\" stroke-dasharray=\"2 3\"/>\n"
        let yStep = maxY > 50 ? 20.0 : 10.0
        for tick in stride(from: 0.0, through: maxY, by: yStep) {
            out += "<text x=\"\(number(left - 6))\" y=\"\(number(y(tick) + 4))\" text-anchor=\"end\">\(Int(tick))%</text>\n"
        }
        let xStep = Self.niceStep(maxX)
        for tick in stride(from: 0.0, through: maxX, by: xStep) {
            out += "<text x=\"\(number(x(tick)))\" y=\"\(number(height - bottom + 16))\" text-anchor=\"middle\">\(Int(tick))</text>\n"
        }
        out += "<text x=\"\(number((width - right + left) / 2))\" y=\"\(number(height - 8))\" text-anchor=\"middle\">\(escaped(xLabel))</text>\n"
        out += "<text x=\"14\" y=\"\(number((height - bottom + top) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(number((height - bottom + top) / 2)))\">\(escaped(yLabel))</text>\n"
        for (i, line) in series.enumerated() {
            let points = line.points.filter { $0.x.isFinite && $0.y.isFinite }
            let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : ""
            let path = points.map { "\(number(x($0.x))),\(number(y($0.y)))" }.joined(separator: " ")
            if !line.markersOnly {
                out += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\"\(dash) points=\"\(path)\"/>\n"
            }
            if line.markersOnly {
                for point in points {
                    out += "<rect x=\"\(number(x(point.x) - 3))\" y=\"\(number(y(point.y) - 3))\" width=\"6\" height=\"6\" fill=\"none\" stroke=\"\(line.color)\"/>\n"
                }
            } else if !line.dashed {
                for point in points {
                    out += "<circle cx=\"\(number(x(point.x)))\" cy=\"\(number(y(point.y)))\" r=\"2.5\" fill=\"\(line.color)\"/>\n"
                }
            }
            let legendY = top + 6 + Double(i) * 18
            if line.markersOnly {
                out += "<rect x=\"\(number(width - right + 21))\" y=\"\(number(legendY - 3))\" width=\"6\" height=\"6\" fill=\"none\" stroke=\"\(line.color)\"/>\n"
            } else {
                out += "<line x1=\"\(number(width - right + 12))\" y1=\"\(number(legendY))\" x2=\"\(number(width - right + 36))\" y2=\"\(number(legendY))\" stroke=\"\(line.color)\" stroke-width=\"2\"\(dash)/>\n"
            }
            out += "<text x=\"\(number(width - right + 42))\" y=\"\(number(legendY + 4))\">\(escaped(line.label))</text>\n"
        }
        if finite.contains(where: { $0.y > maxY }) {
            let noteY = top + 6 + Double(series.count) * 18 + 8
            out += "<text x=\"\(number(width - right + 12))\" y=\"\(number(noteY))\" fill=\"#666\" font-size=\"11\">values above \(Int(maxY))% drawn at the top</text>\n"
        }
        return out + "</svg>\n"
    }

    /// 1, 2 or 5 times a power of ten, giving at most about ten ticks.
    package static func niceStep(_ range: Double) -> Double {
        let raw = max(range / 10, 1)
        let power = pow(10, floor(log10(raw)))
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * power >= raw { return factor * power }
        return 10 * power
    }

    private func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
