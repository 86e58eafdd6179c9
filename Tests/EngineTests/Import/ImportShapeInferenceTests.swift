import Foundation
import ONNX
import XCTest
@testable import Engine

/// Shape inference of the common vision ops, on small ONNX models built here.
final class ImportShapeInferenceTests: XCTestCase {
    /// Builds an ONNX model from compact node descriptions: `ONNXTestModel` with an input
    /// whose dimensions may be symbolic (nil: "N"), nodes named after their first output and
    /// attributes given as ints (single values of the usual scalar attributes become ints),
    /// and float vectors as raw data.
    private struct ModelBuilder {
        var model: ONNXTestModel
        var graph: Onnx_GraphProto {
            get { model.graph }
            set { model.graph = newValue }
        }

        init(input: [Int64?], opset: Int64 = 13) {
            model = ONNXTestModel(opset: opset)
            var v = Onnx_ValueInfoProto()
            v.name = "x"
            var t = Onnx_TypeProto.Tensor()
            t.elemType = 1
            for d in input {
                var dim = Onnx_TensorShapeProto.Dimension()
                if let d { dim.dimValue = d } else { dim.dimParam = "N" }
                t.shape.dim.append(dim)
            }
            v.type.tensorType = t
            model.graph.input = [v]
        }

        mutating func weight(_ name: String, _ dims: [Int64]) { model.weight(name, dims) }

        mutating func ints(_ name: String, _ values: [Int64]) { model.ints(name, values) }

        mutating func floats(_ name: String, _ values: [Float]) {
            var t = Onnx_TensorProto()
            t.name = name
            t.dims = [Int64(values.count)]
            t.dataType = 1
            t.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
            model.graph.initializer.append(t)
        }

        mutating func node(_ op: String, _ inputs: [String], _ outputs: [String], _ attrs: [String: [Int64]] = [:], strings: [String: String] = [:]) {
            var n = Onnx_NodeProto()
            n.opType = op
            n.input = inputs
            n.output = outputs
            n.name = outputs[0]
            for (k, v) in attrs.sorted(by: { $0.key < $1.key }) {
                var a = Onnx_AttributeProto()
                a.name = k
                if v.count == 1 && ["group", "axis", "keepdims", "transB", "transA", "ceil_mode", "blocksize"].contains(k) {
                    a.type = .int; a.i = v[0]
                } else {
                    a.type = .ints; a.ints = v
                }
                n.attribute.append(a)
            }
            for (k, v) in strings {
                var a = Onnx_AttributeProto()
                a.name = k
                a.type = .string
                a.s = Data(v.utf8)
                n.attribute.append(a)
            }
            model.graph.node.append(n)
        }

        func data() throws -> Data { try model.data() }
    }

    private func shapes(_ b: ModelBuilder, batch: Int? = nil) throws -> [String: [Int]] {
        let net = try NetworkImporter.importData(try b.data(), format: .onnx, name: "built.onnx", batchSize: batch)
        var out: [String: [Int]] = [:]
        for n in net.graph.nodes { out[n.name] = n.outputShape }
        return out
    }

    func testConvPoolsAndHead() throws {
        var b = ModelBuilder(input: [nil, 3, 32, 32])
        b.weight("w", [16, 3, 3, 3]); b.weight("dw", [16, 1, 3, 3]); b.weight("tw", [16, 8, 4, 4]); b.weight("fc", [10, 8])
        b.node("Conv", ["x", "w"], ["c"], ["strides": [2, 2], "pads": [1, 1, 1, 1]])
        b.node("Conv", ["c", "dw"], ["dwc"], ["group": [16]], strings: ["auto_pad": "SAME_UPPER"])
        b.node("ConvTranspose", ["dwc", "tw"], ["up"], ["strides": [2, 2], "pads": [1, 1, 1, 1]])
        b.node("MaxPool", ["up"], ["mp"], ["kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": [1]])
        b.node("AveragePool", ["mp"], ["ap"], ["kernel_shape": [2, 2], "strides": [2, 2]])
        b.node("BatchNormalization", ["ap", "s", "s", "s", "s"], ["bn"])
        b.weight("s", [8])
        b.node("HardSwish", ["bn"], ["hs"])
        b.node("GlobalAveragePool", ["hs"], ["gap"])
        b.node("Flatten", ["gap"], ["fl"])
        b.node("Gemm", ["fl", "fc"], ["g"], ["transB": [1]])
        b.node("Softmax", ["g"], ["sm"])
        let s = try shapes(b, batch: 4)
        XCTAssertEqual(s["x"], [4, 3, 32, 32])
        XCTAssertEqual(s["c"], [4, 16, 16, 16])
        XCTAssertEqual(s["dwc"], [4, 16, 16, 16])
        XCTAssertEqual(s["up"], [4, 8, 32, 32], "ConvTranspose: channels = W[1] x group")
        XCTAssertEqual(s["mp"], [4, 8, 16, 16])
        XCTAssertEqual(s["ap"], [4, 8, 8, 8])
        XCTAssertEqual(s["gap"], [4, 8, 1, 1])
        XCTAssertEqual(s["g"], [4, 10])
        XCTAssertEqual(s["sm"], [4, 10])
        var bad = b
        bad.graph.initializer = bad.graph.initializer.map { t in
            var t = t
            if t.name == "fc" { t.dims = [10, 9] }
            return t
        }
        XCTAssertThrowsError(try shapes(bad)) { e in
            XCTAssertTrue("\(e)".contains("node 'g' (Gemm): inner dimensions 8 and 9 differ"), "\(e)")
        }
    }

    func testShapeChainsReshapeSliceConcatResize() throws {
        var b = ModelBuilder(input: [1, 8, 4, 4], opset: 13)
        b.node("Shape", ["x"], ["sh"])
        b.ints("i0", [0]); b.ints("minus1", [-1]); b.ints("ax0", [0])
        b.node("Gather", ["sh", "i0"], ["n"], ["axis": [0]])
        b.node("Concat", ["n", "minus1"], ["target"], ["axis": [0]])
        b.node("Reshape", ["x", "target"], ["flat"])
        b.ints("st", [1]); b.ints("en", [Int64.max]); b.ints("axes1", [1])
        b.node("Slice", ["x", "st", "en", "axes1"], ["sl"])
        b.node("Concat", ["x", "sl"], ["cat"], ["axis": [1]])
        b.floats("scales", [1, 1, 2, 2])
        b.node("Resize", ["cat", "", "scales"], ["rs"])
        b.ints("pads", [0, 0, 1, 1, 0, 0, 1, 1])
        b.node("Pad", ["rs", "pads"], ["pd"])
        b.ints("split", [5, 10])
        b.node("Split", ["pd", "split"], ["sp0", "sp1"], ["axis": [1]])
        b.node("Transpose", ["sp0"], ["tr"], ["perm": [0, 2, 3, 1]])
        b.ints("uax", [0])
        b.node("Unsqueeze", ["tr", "uax"], ["un"])
        b.node("Squeeze", ["un", "uax"], ["sq"])
        b.node("ReduceMean", ["sq"], ["rm"], ["axes": [1, 2], "keepdims": [0]])
        b.node("Clip", ["rm"], ["cl"])
        b.node("HardSigmoid", ["cl"], ["hsig"])
        b.node("Mul", ["hsig", "rm"], ["mul"])
        b.node("Cast", ["mul"], ["cast"])
        b.node("Dropout", ["cast"], ["drop"])
        b.weight("mm", [5, 7])
        b.node("MatMul", ["drop", "mm"], ["matmul"])
        let s = try shapes(b, batch: 2)
        XCTAssertEqual(s["flat"], [2, 128])
        XCTAssertEqual(s["sl"], [2, 7, 4, 4])
        XCTAssertEqual(s["cat"], [2, 15, 4, 4])
        XCTAssertEqual(s["rs"], [2, 15, 8, 8])
        XCTAssertEqual(s["pd"], [2, 15, 10, 10])
        XCTAssertEqual(s["sp0"], [2, 5, 10, 10])
        XCTAssertEqual(s["tr"], [2, 10, 10, 5])
        XCTAssertEqual(s["un"], [1, 2, 10, 10, 5])
        XCTAssertEqual(s["rm"], [2, 5])
        XCTAssertEqual(s["matmul"], [2, 7])
    }

    func testOpset7UpsampleAndAttributes() throws {
        var b = ModelBuilder(input: [1, 4, 5, 5], opset: 7)
        var n = Onnx_NodeProto()
        n.opType = "Upsample"; n.input = ["x"]; n.output = ["up"]
        var a = Onnx_AttributeProto()
        a.name = "scales"; a.type = .floats; a.floats = [1, 1, 2, 2]
        n.attribute = [a]
        b.graph.node.append(n)
        b.node("Slice", ["up"], ["sl"], ["starts": [1], "ends": [-1], "axes": [2]])
        b.node("Pad", ["sl"], ["pd"], ["pads": [0, 0, 0, 1, 0, 0, 0, 1]])
        let s = try shapes(b)
        XCTAssertEqual(s["up"], [1, 4, 10, 10])
        XCTAssertEqual(s["sl"], [1, 4, 8, 10])
        XCTAssertEqual(s["pd"], [1, 4, 8, 12])
    }

    func testUninferableShapesAreErrorsNamingNodeAndOp() throws {
        var b = ModelBuilder(input: [1, 8])
        b.node("NonMaxSuppression", ["x"], ["nms"])
        XCTAssertThrowsError(try shapes(b)) { e in
            XCTAssertTrue("\(e)".hasPrefix("built.onnx, node 'nms' (NonMaxSuppression): the output shape depends on the data"), "\(e)")
        }
        var r = ModelBuilder(input: [1, 8])
        r.node("Relu", ["x"], ["dyn"])
        r.node("Reshape", ["x", "dyn"], ["rs"])
        XCTAssertThrowsError(try shapes(r)) { e in
            XCTAssertTrue("\(e)".contains("node 'rs' (Reshape)"), "\(e)")
            XCTAssertTrue("\(e)".contains("computed at run time"), "\(e)")
            XCTAssertTrue("\(e)".contains("re-export with static input shapes"), "\(e)")
        }
        var unknown = ModelBuilder(input: [1, 8])
        unknown.node("MadeUpOp", ["x"], ["m"])
        XCTAssertThrowsError(try shapes(unknown)) { e in
            XCTAssertTrue("\(e)".hasPrefix("built.onnx, node 'm' (MadeUpOp): no shape rule for this operation"), "\(e)")
        }
        var sym = ModelBuilder(input: [1, nil])
        sym.node("Relu", ["x"], ["y"])
        XCTAssertThrowsError(try shapes(sym)) { e in XCTAssertTrue("\(e)".contains("no fixed size"), "\(e)") }
    }
}
