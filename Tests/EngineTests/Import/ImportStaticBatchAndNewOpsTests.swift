import Foundation
import XCTest
@testable import Engine

/// Files exported at a fixed batch import at any batch (their batch-carrying constants
/// rescaled), and the ops of attention-era and quantized networks have shapes and costs.
final class ImportStaticBatchAndNewOpsTests: XCTestCase {
    private func shapes(_ net: ImportedNetwork) -> [String: [Int]] {
        Dictionary(net.graph.nodes.map { ($0.name, $0.outputShape) }, uniquingKeysWith: { a, _ in a })
    }

    /// A ViT-like stem exported at batch 4: the batch is in Reshape targets, also merged
    /// into another dimension ([144, 16] = 4 x 36 rows), and in a class token folded to [4, 1, 16].
    private static func staticBatchFour() -> ONNXTestModel {
        var m = ONNXTestModel()
        m.input("x", [4, 8, 6, 6])
        m.ints("t1", [4, 8, 36])
        m.ints("t2", [144, 16])
        m.ints("t3", [4, 36, 16])
        m.weight("w", [8, 16])
        m.weight("cls", [4, 1, 16])
        m.node("Reshape", ["x", "t1"], ["r1"])
        m.node("Transpose", ["r1"], ["tr"], ["perm": .ints([0, 2, 1])])
        m.node("MatMul", ["tr", "w"], ["mm"])
        m.node("Reshape", ["mm", "t2"], ["rows"])
        m.node("Reshape", ["rows", "t3"], ["back"])
        m.node("Concat", ["cls", "back"], ["cat"], ["axis": .int(1)])
        return m
    }

    func testStaticBatchFourImportsAtOneAndFour() throws {
        let m = Self.staticBatchFour()
        let own = try m.imported()
        XCTAssertEqual(own.batchSize, 4)
        XCTAssertEqual(shapes(own)["rows"], [144, 16])
        XCTAssertEqual(shapes(own)["cat"], [4, 37, 16])
        let one = try m.imported(batch: 1)
        XCTAssertEqual(shapes(one)["r1"], [1, 8, 36])
        XCTAssertEqual(shapes(one)["rows"], [36, 16])
        XCTAssertEqual(shapes(one)["cat"], [1, 37, 16])
        XCTAssertEqual(shapes(one)["cls"], [1, 1, 16], "the folded class token follows the batch")
        let three = try m.imported(batch: 3)
        XCTAssertEqual(shapes(three)["rows"], [108, 16])
        XCTAssertEqual(shapes(three)["cat"], [3, 37, 16])
        XCTAssertEqual(own.contentHash, one.contentHash)
        XCTAssertEqual(own.contentHash, three.contentHash)
        XCTAssertEqual(three.totals.flops, 3 * one.totals.flops, accuracy: 1)
    }

    func testStaticBatchOneImportsAtFour() throws {
        // torch's sequence-first attention at batch 1: [5, 1, 32] -> [5, 4, 8] (batch x 4
        // heads) -> [5, 32] (5 x batch rows).
        var m = ONNXTestModel()
        m.input("x", [1, 5, 32])
        m.ints("heads", [5, 4, 8])
        m.ints("rows", [5, 32])
        m.node("Transpose", ["x"], ["seq"], ["perm": .ints([1, 0, 2])])
        m.node("Reshape", ["seq", "heads"], ["h"])
        m.node("Reshape", ["h", "rows"], ["r"])
        let four = try m.imported(batch: 4)
        XCTAssertEqual(shapes(four)["h"], [5, 16, 8])
        XCTAssertEqual(shapes(four)["r"], [20, 32])
        XCTAssertEqual(try m.imported().contentHash, four.contentHash)
    }

    func testStaticBatchThatCannotBeRescaledSaysWhatToDo() throws {
        // A target that keeps 4 rows whatever the batch: at batch 2 the elements differ.
        var m = ONNXTestModel()
        m.input("x", [4, 6])
        m.ints("t", [4, 2, 3])
        m.node("Reshape", ["x", "t"], ["r"])
        m.node("Sum", ["r"], ["s"])
        XCTAssertNoThrow(try m.imported(batch: 2), "a leading batch dimension is rescaled")
        var bad = ONNXTestModel()
        bad.input("x", [4, 6])
        bad.ints("t", [3, 8])
        bad.node("Reshape", ["x", "t"], ["r"])
        XCTAssertThrowsError(try bad.imported(batch: 2)) { e in
            XCTAssertTrue("\(e)".hasPrefix("built.onnx, node 'r' (Reshape): cannot reshape"), "\(e)")
            XCTAssertTrue("\(e)".contains("exported at batch 4"), "\(e)")
            XCTAssertTrue("\(e)".contains("re-export it with a dynamic batch axis"), "\(e)")
        }
    }

    func testScatterNDAndEinsumShapesAndCosts() throws {
        var m = ONNXTestModel()
        m.input("x", [2, 4, 6])
        m.ints("idx", [0, 2], dims: [2, 1])
        m.weight("updates", [2, 4, 6])
        m.node("ScatterND", ["x", "idx", "updates"], ["sc"])
        m.node("Einsum", ["sc", "x"], ["att"], ["equation": .string("bij,bkj->bik")])
        m.node("Einsum", ["att"], ["tr"], ["equation": .string("bik->bki")])
        m.node("Einsum", ["x", "x"], ["outer"], ["equation": .string("...i,...j")])
        let net = try m.imported()
        let s = shapes(net)
        XCTAssertEqual(s["sc"], [2, 4, 6])
        XCTAssertEqual(s["att"], [2, 4, 4])
        XCTAssertEqual(s["tr"], [2, 4, 4])
        XCTAssertEqual(s["outer"], [2, 4, 6, 6])
        let att = try XCTUnwrap(net.graph.nodes.firstIndex { $0.name == "att" })
        XCTAssertEqual(net.nodeCosts[att].flops, 32 * (2 * 6 - 1), "32 outputs, each a 6-term dot product")
    }

    func testRecurrentTopKRangeGatherElements() throws {
        var m = ONNXTestModel()
        m.input("x", [7, 2, 10])
        m.weight("W", [1, 64, 10]); m.weight("R", [1, 64, 16])
        m.ints("k", [3])
        m.ints("start", [0], dims: []); m.ints("limit", [10], dims: []); m.ints("delta", [3], dims: [])
        m.ints("gi", [0, 1, 0, 1, 0, 1], dims: [1, 2, 3])
        m.node("LSTM", ["x", "W", "R"], ["y", "yh", "yc"], ["hidden_size": .int(16)])
        m.node("TopK", ["x", "k"], ["tv", "ti"], ["axis": .int(-1)])
        m.node("Range", ["start", "limit", "delta"], ["rg"])
        m.node("GatherElements", ["x", "gi"], ["ge"], ["axis": .int(2)])
        let net = try m.imported()
        let node = Dictionary(net.graph.nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(node["y"]?.outputShapes, [[7, 1, 2, 16], [1, 2, 16], [1, 2, 16]])
        XCTAssertEqual(node["tv"]?.outputShapes, [[7, 2, 3], [7, 2, 3]])
        XCTAssertEqual(node["rg"]?.outputShape, [4])
        XCTAssertEqual(node["ge"]?.outputShape, [1, 2, 3])
        let lstm = try XCTUnwrap(net.graph.nodes.firstIndex { $0.name == "y" })
        XCTAssertGreaterThan(net.nodeCosts[lstm].flops, 2 * 14 * 64 * 26)
    }

    func testQuantizedConvAndMatMulAreCostedAsIntegerWork() throws {
        let net = try Self.quantizedModel().imported()
        func cost(_ name: String) throws -> NodeCost {
            net.nodeCosts[try XCTUnwrap(net.graph.nodes.firstIndex { $0.name == name }, name)]
        }
        XCTAssertEqual(net.graph.nodes.first { $0.name == "yq" }?.outputShape, [1, 4, 8, 8])
        XCTAssertGreaterThan(try cost("yq").flops, 0)
        XCTAssertEqual(try cost("yq").flops, try cost("yf").flops, "an int8 conv does the multiply-adds of its float twin")
        XCTAssertGreaterThan(try cost("yi").flops, 0)
        XCTAssertEqual(try cost("mi").flops, Double(1 * 4 * 8 * 5) * (2 * 8 - 1))
        XCTAssertEqual(try cost("xq").flops, 2 * 192)
        XCTAssertGreaterThan(net.canonicalTotals.flops, 2 * (try cost("yq").flops))
        let tokens = net.tokens(encoding: .costs2)
        let row = try XCTUnwrap(net.canonicalGraph.nodes.firstIndex { $0.name == "yq" })
        XCTAssertEqual(tokens.tokens[row * tokens.tokenDim + CostTokenizer.costColumns + (Costs2Tokenizer.opSlots["QLinearConv"] ?? -1)], 1)
    }

    /// QuantizeLinear -> QLinearConv -> DequantizeLinear, its float twin, ConvInteger, MatMulInteger.
    private static func quantizedModel() -> ONNXTestModel {
        var m = ONNXTestModel(opset: 13)
        m.input("x", [1, 3, 8, 8])
        m.floats("s", [0.1]); m.weight("zp", [], type: 2)
        m.weight("w", [4, 3, 3, 3], type: 3)
        m.weight("wf", [4, 3, 3, 3])
        m.weight("b", [4], type: 6)
        m.weight("mw", [8, 5], type: 3)
        m.node("QuantizeLinear", ["x", "s", "zp"], ["xq"])
        m.node("QLinearConv", ["xq", "s", "zp", "w", "s", "zp", "s", "zp", "b"], ["yq"], ["pads": .ints([1, 1, 1, 1])])
        m.node("DequantizeLinear", ["yq", "s", "zp"], ["y"])
        m.node("Conv", ["x", "wf", "b"], ["yf"], ["pads": .ints([1, 1, 1, 1])])
        m.node("ConvInteger", ["xq", "w"], ["yi"], ["pads": .ints([1, 1, 1, 1])])
        m.node("MatMulInteger", ["yi", "mw"], ["mi"])
        return m
    }

    func testRunTimeShapeArithmeticIsFolded() throws {
        // How the TorchScript exporter spells cls.expand(n, -1, -1) (Where(Equal(shape, -1),
        // 1, shape)) and a slice whose end is computed from a shape.
        var m = ONNXTestModel(opset: 13)
        m.input("x", [2, 5, 8])
        m.weight("cls", [1, 1, 8])
        m.ints("i0", [0], dims: []); m.ints("i1", [1], dims: [])
        m.ints("ax0", [0]); m.ints("axes1", [1]); m.ints("starts", [0])
        m.ints("minus1", [-1]); m.ints("ones", [1, 1, 1])
        m.node("Shape", ["x"], ["sh"])
        m.node("Gather", ["sh", "i0"], ["n"], ["axis": .int(0)])
        m.node("Unsqueeze", ["n", "ax0"], ["n1"])
        m.node("Concat", ["n1", "minus1", "minus1"], ["target"], ["axis": .int(0)])
        m.node("Equal", ["target", "minus1"], ["isAny"])
        m.node("Where", ["isAny", "ones", "target"], ["shape"])
        m.node("Expand", ["cls", "shape"], ["clsN"])
        m.node("Concat", ["clsN", "x"], ["cat"], ["axis": .int(1)])
        m.node("Gather", ["sh", "i1"], ["len"], ["axis": .int(0)])
        m.node("Sub", ["len", "i1"], ["end0"])
        m.node("Unsqueeze", ["end0", "ax0"], ["end"])
        m.node("Slice", ["cat", "starts", "end", "axes1"], ["head"])
        let s = shapes(try m.imported())
        XCTAssertEqual(s["clsN"], [2, 1, 8])
        XCTAssertEqual(s["cat"], [2, 6, 8])
        XCTAssertEqual(s["head"], [2, 4, 8])
        XCTAssertEqual(shapes(try m.imported(batch: 3))["head"], [3, 4, 8])
    }

    /// Models of this file for the import fuzzer.
    static func fuzzSeeds() -> [(String, ONNXTestModel)] {
        [("static batch 4", staticBatchFour()), ("quantized", quantizedModel())]
    }
}
