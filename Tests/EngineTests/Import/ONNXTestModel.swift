import Foundation
import ONNX
@testable import Engine

/// Builds small ONNX models in a test: inputs, initializers (weights by shape, small
/// tensors by value), nodes with int, ints, float and string attributes.
struct ONNXTestModel {
    var graph = Onnx_GraphProto()
    var opset: Int64

    init(opset: Int64 = 17) { self.opset = opset }

    mutating func input(_ name: String, _ dims: [Int64]) {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = 1
        for d in dims {
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = d
            t.shape.dim.append(dim)
        }
        v.type.tensorType = t
        graph.input.append(v)
    }

    /// A float weight with dims only (values are never read by the importer).
    mutating func weight(_ name: String, _ dims: [Int64], type: Int32 = 1) {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims
        t.dataType = type
        graph.initializer.append(t)
    }

    /// A float scalar (dims []) or vector.
    mutating func floats(_ name: String, _ values: [Float], scalar: Bool = true) {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = scalar && values.count == 1 ? [] : [Int64(values.count)]
        t.dataType = 1
        t.floatData = values
        graph.initializer.append(t)
    }

    mutating func ints(_ name: String, _ values: [Int64], dims: [Int64]? = nil) {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims ?? [Int64(values.count)]
        t.dataType = 7
        t.int64Data = values
        graph.initializer.append(t)
    }

    /// A float scalar as a Constant node (how torch's TorchScript exporter writes them).
    mutating func constantNode(_ name: String, _ value: Float) {
        var n = Onnx_NodeProto()
        n.opType = "Constant"
        n.output = [name]
        n.name = "n\(graph.node.count)"
        var a = Onnx_AttributeProto()
        a.name = "value"
        a.type = .tensor
        a.t.dataType = 1
        a.t.floatData = [value]
        n.attribute.append(a)
        graph.node.append(n)
    }

    enum Attribute {
        case int(Int64), ints([Int64]), float(Float), string(String)
    }

    mutating func node(_ op: String, _ inputs: [String], _ outputs: [String], _ attributes: [String: Attribute] = [:]) {
        var n = Onnx_NodeProto()
        n.opType = op
        n.input = inputs
        n.output = outputs
        n.name = "n\(graph.node.count)"
        for (k, v) in attributes.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = k
            switch v {
            case .int(let i): a.type = .int; a.i = i
            case .ints(let i): a.type = .ints; a.ints = i
            case .float(let f): a.type = .float; a.f = f
            case .string(let s): a.type = .string; a.s = Data(s.utf8)
            }
            n.attribute.append(a)
        }
        graph.node.append(n)
    }

    func data() throws -> Data {
        var m = Onnx_ModelProto()
        m.irVersion = 8
        var o = Onnx_OperatorSetIdProto()
        o.version = opset
        m.opsetImport = [o]
        m.graph = graph
        return try m.serializedBytes()
    }

    func imported(batch: Int? = nil, name: String = "built.onnx") throws -> ImportedNetwork {
        try NetworkImporter.importData(try data(), format: .onnx, name: name, batchSize: batch)
    }
}
