import XCTest
@testable import Engine

final class EvaluationPredictionsCSVTests: XCTestCase {
    func testOneRowPerSampleInOrderWithFullPrecision() throws {
        let csv = try PredictionsCSV(names: ["36", "37"], families: ["titanx_1", "titanx_1"],
                                     measured: [12.12, 6.5728], predicted: [12.000000000000002, 1.0 / 3.0])
        let lines = csv.render().split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, ["id,family,measured,predicted",
                               "36,titanx_1,12.12,12.000000000000002",
                               "37,titanx_1,6.5728,0.3333333333333333"])
        XCTAssertEqual(Double(lines[2].split(separator: ",")[3]), 1.0 / 3.0, "the printed number reads back exactly")
    }

    func testBaselineColumnAndQuotedFields() throws {
        let csv = try PredictionsCSV(names: ["a,b", "say \"hi\""], families: ["vgg", "vgg"],
                                     measured: [1, 2], predicted: [1.5, 2.5], baseline: [0.5, -1])
        let expected = ["id,family,measured,predicted,baseline",
                        #""a,b",vgg,1.0,1.5,0.5"#,
                        #""say ""hi""",vgg,2.0,2.5,-1.0"#]
        XCTAssertEqual(csv.render(), expected.joined(separator: "\n") + "\n")
    }

    func testMismatchedLengthsAreAnErrorNotATrap() {
        XCTAssertThrowsError(try PredictionsCSV(names: ["a", "b"], families: ["f", "f"], measured: [1, 2], predicted: [1])) {
            XCTAssertTrue("\($0)".contains("2 samples but 1 predictions"), "\($0)")
        }
        XCTAssertThrowsError(try PredictionsCSV(names: ["a"], families: ["f"], measured: [1], predicted: [1], baseline: [])) {
            XCTAssertTrue("\($0)".contains("0 baseline predictions"), "\($0)")
        }
    }

    func testAnUnwritablePathNamesTheFile() {
        let csv = PredictionsCSV(rows: [.init(id: "a", family: "f", measured: 1, predicted: 1)])
        let url = URL(fileURLWithPath: "/nonexistent-folder-narformer/p.csv")
        XCTAssertThrowsError(try csv.write(to: url)) {
            XCTAssertTrue("\($0)".contains("/nonexistent-folder-narformer/p.csv: cannot write the predictions"), "\($0)")
        }
    }

    func testWrittenFileReadsBack() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-predictions-\(getpid()).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        let csv = PredictionsCSV(rows: [.init(id: "x", family: "resnet", measured: 3.25, predicted: 3, baseline: 4)])
        try csv.write(to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "id,family,measured,predicted,baseline\nx,resnet,3.25,3.0,4.0\n")
    }
}
