import Foundation
import ONNX
import XCTest
@testable import Engine

/// Files that are not networks at all get a sentence that says what is wrong with them,
/// never Foundation's "The operation could not be completed".
final class ImportPlainErrorsTests: XCTestCase {
    private func message(_ data: Data, _ format: NetworkImporter.Format, file: StaticString = #filePath,
                         line: UInt = #line) -> String {
        do {
            _ = try NetworkImporter.importData(data, format: format, name: "drop", batchSize: nil)
            XCTFail("imported", file: file, line: line)
            return ""
        } catch {
            let text = "\(error)"
            XCTAssertFalse(text.contains("could not be completed"), text, file: file, line: line)
            XCTAssertEqual((error as? ImportError)?.kind, .malformed, text, file: file, line: line)
            return text
        }
    }

    func testEmptyFilesSayTheyAreEmpty() {
        XCTAssertTrue(message(Data(), .graphJSON).contains("the file is empty"))
        XCTAssertTrue(message(Data(), .onnx).contains("the file is empty"))
        XCTAssertTrue(message(Data(" \n\t\n".utf8), .graphJSON).contains("the file is empty"))
    }

    func testNaNAndInfinityAreNamedWithTheirLine() {
        let nan = message(Data("{\"format\": \"narformer-graph\",\n \"version\": NaN}".utf8), .graphJSON)
        XCTAssertTrue(nan.contains("line 2: NaN is not a JSON number"), nan)
        let infinity = message(Data("{\"a\": [1, -Infinity]}".utf8), .graphJSON)
        XCTAssertTrue(infinity.contains("line 1: -Infinity is not a JSON number"), infinity)
        // Inside a string they are text.
        XCTAssertNil(JSONProblem.find(in: Data(#"{"name": "NaN [[["}"#.utf8)))
    }

    func testNestingTooDeepIsSaidSo() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let text = message(Data(deep.utf8), .graphJSON)
        XCTAssertTrue(text.contains("nested more than 512 levels deep"), text)
    }

    func testOtherBrokenJSONStillSaysNotValidJSON() {
        let text = message(Data(#"{"format": "narformer-graph", "version": 1,"#.utf8), .graphJSON)
        XCTAssertTrue(text.contains("not valid JSON"), text)
    }

    func testDeeplyNestedONNXTypesAreSaidSo() throws {
        var type = Onnx_TypeProto()
        type.tensorType.elemType = 1
        for _ in 0..<150 {
            var outer = Onnx_TypeProto()
            outer.sequenceType.elemType = type
            type = outer
        }
        var input = Onnx_ValueInfoProto()
        input.name = "x"
        input.type = type
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 13
        model.opsetImport = [opset]
        model.graph.input = [input]
        let text = message(try model.serializedBytes(), .onnx)
        XCTAssertTrue(text.contains("nested more than 100 levels deep"), text)
        XCTAssertFalse(text.contains("messageDepthLimit"), text)
    }
}
