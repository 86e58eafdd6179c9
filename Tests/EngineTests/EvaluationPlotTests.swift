import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Engine

final class EvaluationPlotTests: XCTestCase {
    /// Collects element names and attributes, failing on malformed XML.
    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        var text = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            elements.append((name, attributes))
            text += "\n"
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            text += "\n"
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    }

    private func parse(_ svg: String) throws -> Collector {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
        return collector
    }

    static func syntheticPoints() -> [ScatterPlotSVG.Point] {
        var generator = SplitMix64(seed: 9)
        let families = ["resnet", "vgg", "mobilenetv2", "efficientnet"]
        return (0..<120).map { i in
            let measured = pow(10, Double.random(in: 0...3, using: &generator))
            let error = Double.random(in: -0.25...0.25, using: &generator)
            return ScatterPlotSVG.Point(measured: measured, predicted: measured * (1 + error), family: families[i % 4])
        }
    }

    func testWellFormedStandaloneSVGWithEveryPart() throws {
        let points = Self.syntheticPoints() + [ScatterPlotSVG.Point(measured: 5, predicted: -1, family: "vgg")]
        let metrics = EvaluationMetrics(predicted: points.map(\.predicted), measured: points.map(\.measured))
        let svg = ScatterPlotSVG(title: "latency <cpu-ort-1t> & friends", points: points, metrics: metrics).render()
        let parsed = try parse(svg)
        XCTAssertEqual(parsed.elements.first?.name, "svg")
        XCTAssertEqual(parsed.elements.first?.attributes["xmlns"], "http://www.w3.org/2000/svg")
        // One marker per plotted point plus one legend swatch per family.
        XCTAssertEqual(parsed.elements.filter { $0.name == "circle" }.count, 120 + 4)
        XCTAssertEqual(parsed.elements.filter { $0.name == "polygon" }.count, 1, "the +/-10% band")
        XCTAssertTrue(parsed.text.contains("latency <cpu-ort-1t> & friends"), "title, escaped in the file")
        for family in ["resnet (30)", "vgg (31)", "mobilenetv2 (30)", "efficientnet (30)"] {
            XCTAssertTrue(parsed.text.contains(family), family)
        }
        XCTAssertTrue(parsed.text.contains("n = 121"))
        XCTAssertTrue(parsed.text.contains("MAPE \(MetricsTable.percent(metrics.mape, digits: 2))"))
        XCTAssertTrue(parsed.text.contains("Acc(10%)"))
        XCTAssertTrue(parsed.text.contains("Kendall \u{03C4}"))
        XCTAssertTrue(parsed.text.contains("1 point(s) with a non-positive value not shown"))
        for decade in ["1", "10", "100", "1000"] { XCTAssertTrue(parsed.text.contains("\n\(decade)\n"), decade) }
        // Families get distinct colours.
        let swatches = Set(parsed.elements.filter { $0.name == "circle" && $0.attributes["r"] == "6" }.compactMap { $0.attributes["fill"] })
        XCTAssertEqual(swatches.count, 4)
    }

    func testLogAxisTicks() {
        let wide = LogAxis(values: [0.5, 2000])
        XCTAssertEqual(wide.majorTicks, [1, 10, 100, 1000])
        XCTAssertTrue(wide.minorTicks.contains(20))
        XCTAssertLessThan(wide.low, 0.5)
        XCTAssertGreaterThan(wide.high, 2000)
        XCTAssertEqual(wide.fraction(wide.low), 0, accuracy: 1e-12)
        XCTAssertEqual(wide.fraction(wide.high), 1, accuracy: 1e-12)
        XCTAssertEqual(LogAxis(values: [3, 80]).majorTicks, [5, 10, 20, 50], "under two decades: 2x and 5x labelled")
        XCTAssertEqual(LogAxis(values: [85, 95]).majorTicks, [80, 90, 100], "a narrow range still gets labels")
        XCTAssertEqual(LogAxis(values: [91, 92]).majorTicks, [85, 90, 95, 100], "very narrow: evenly spaced round numbers")
        XCTAssertEqual(LogAxis.roundStep(3.1), 5)
        XCTAssertEqual(LogAxis.roundStep(0.012), 0.02)
        XCTAssertEqual(LogAxis.label(0.01), "0.01")
        XCTAssertEqual(LogAxis.label(1000), "1000")
    }

    func testWriteFailureIsAClearError() {
        let plot = ScatterPlotSVG(title: "t", points: Self.syntheticPoints())
        let message = EvalTestData.error { try plot.write(to: URL(fileURLWithPath: "/nonexistent/dir/plot.svg")) }
        XCTAssertTrue(message.hasPrefix("/nonexistent/dir/plot.svg: cannot write the plot"), message)
    }
}
