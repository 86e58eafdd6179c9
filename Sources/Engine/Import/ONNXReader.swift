import Foundation
import ONNX
import SwiftProtobuf

/// Reads an ONNX ModelProto into a `RawGraph`.
///
/// Why not decode the whole ModelProto with SwiftProtobuf: it copies every `bytes`
/// field, so a file with full weights would be copied into memory. Instead the file is
/// memory-mapped and walked with `ProtobufWireScanner`; nodes and value infos (small)
/// are decoded with SwiftProtobuf, initializers are scanned by hand for their dims,
/// type and name, and their data is read only when it is small enough to matter for
/// shapes (a Reshape target, Slice bounds, Resize scales).
enum ONNXReader {
    /// Tensors with more elements than this are never decoded.
    static let smallTensorLimit = 64
    static let maxNodes = 1_000_000
    static let maxRank = 16

    static func read(_ data: Data, file: String) throws -> RawGraph {
        do {
            return try data.withUnsafeBytes { try read(buffer: $0, file: file) }
        } catch let error as ImportError {
            throw error
        } catch let error as ProtobufWireScanner.WireError {
            throw ImportError(.malformed, file: file, "not a valid ONNX file: \(error.message)")
        } catch {
            throw ImportError(.malformed, file: file, "not a valid ONNX file: \(error)")
        }
    }

    private static func read(buffer: UnsafeRawBufferPointer, file: String) throws -> RawGraph {
        var model = ProtobufWireScanner(buffer)
        var graphRange: Range<Int>?
        var opset = 0
        var sawDefaultDomain = false
        while let (field, value) = try model.next() {
            switch (field, value) {
            case (7, .bytes(let r)):
                graphRange = r
            case (8, .bytes(let r)):
                let id = try Onnx_OperatorSetIdProto(serializedBytes: Data(buffer[r]))
                if id.domain.isEmpty || id.domain == "ai.onnx" {
                    opset = Int(id.version)
                    sawDefaultDomain = true
                }
            default:
                continue
            }
        }
        guard let graphRange else {
            throw ImportError(.malformed, file: file, "the file holds no graph (is it an ONNX model?)")
        }
        if !sawDefaultDomain { opset = 13 }

        var nodes: [RawNode] = []
        var initializers: [String: TensorInfo] = [:]
        var declaredInputs: [(String, [Int?])] = []
        var graph = ProtobufWireScanner(buffer, range: graphRange)
        while let (field, value) = try graph.next() {
            guard case .bytes(let r) = value else { continue }
            switch field {
            case 1:
                guard nodes.count < maxNodes else {
                    throw ImportError(.tooLarge, file: file, "more than \(maxNodes) nodes")
                }
                let proto = try Onnx_NodeProto(serializedBytes: Data(buffer[r]))
                nodes.append(try rawNode(proto, file: file))
            case 5:
                let (name, info) = try scanTensor(buffer, range: r)
                initializers[name] = info
            case 11:
                let proto = try Onnx_ValueInfoProto(serializedBytes: Data(buffer[r]))
                let dims: [Int?] = try proto.type.tensorType.shape.dim.map { d in
                    if case .dimValue(let v)? = d.value {
                        guard v >= 0, v <= maxDimension else {
                            throw ImportError(.shape, file: file, node: proto.name, "input dimension \(v) is out of range")
                        }
                        return Int(v)
                    }
                    return nil
                }
                guard dims.count <= maxRank else {
                    throw ImportError(.shape, file: file, node: proto.name, "input has rank \(dims.count)")
                }
                declaredInputs.append((proto.name, dims))
            default:
                continue
            }
        }
        // Older exporters list initializers among the graph inputs; they are weights.
        let inputs = declaredInputs.filter { initializers[$0.0] == nil }.map { (name: $0.0, dims: $0.1) }
        return RawGraph(nodes: nodes, initializers: initializers, inputs: inputs, opset: opset)
    }

    private static func rawNode(_ proto: Onnx_NodeProto, file: String) throws -> RawNode {
        var attributes: [String: AttributeValue] = [:]
        for a in proto.attribute {
            switch a.type {
            case .int: attributes[a.name] = .int(boundedInt(a.i))
            case .ints: attributes[a.name] = .ints(a.ints.map(boundedInt))
            case .float: attributes[a.name] = .float(a.f)
            case .floats: attributes[a.name] = .floats(a.floats)
            case .string: attributes[a.name] = .string(String(decoding: a.s, as: UTF8.self))
            case .tensor: attributes[a.name] = .tensor(tensorInfo(a.t))
            default:
                // Exporters that omit the type field: infer from what is set.
                if a.hasT { attributes[a.name] = .tensor(tensorInfo(a.t)) }
                else if !a.ints.isEmpty { attributes[a.name] = .ints(a.ints.map(boundedInt)) }
                else if !a.floats.isEmpty { attributes[a.name] = .floats(a.floats) }
                else if a.hasI { attributes[a.name] = .int(boundedInt(a.i)) }
                else if a.hasF { attributes[a.name] = .float(a.f) }
                else if a.hasS { attributes[a.name] = .string(String(decoding: a.s, as: UTF8.self)) }
                else { attributes[a.name] = .other }
            }
        }
        let outputs = proto.output
        let name = outputs.first { !$0.isEmpty } ?? proto.name
        guard !name.isEmpty else {
            throw ImportError(.structure, file: file, op: proto.opType, "a node has neither a name nor an output")
        }
        return RawNode(name: name, op: proto.opType, inputs: proto.input, outputs: outputs, attributes: attributes)
    }

    /// A Constant's value (decoded by SwiftProtobuf: Constants are small in practice).
    static func tensorInfo(_ t: Onnx_TensorProto) -> TensorInfo {
        let dims = t.dims.map { Int(min(max($0, 0), Int64(maxDimension))) }
        let count = dims.reduce(1) { $0.multipliedReportingOverflow(by: max($1, 0)).overflow ? Int.max : $0 * max($1, 0) }
        var values: [Double]?
        if count <= smallTensorLimit {
            if !t.int64Data.isEmpty { values = t.int64Data.map(Double.init) }
            else if !t.floatData.isEmpty { values = t.floatData.map(Double.init) }
            else if !t.int32Data.isEmpty { values = t.int32Data.map(Double.init) }
            else if !t.doubleData.isEmpty { values = t.doubleData }
            else if !t.rawData.isEmpty {
                values = t.rawData.withUnsafeBytes { decodeRaw($0, dataType: t.dataType) }
            }
            if let v = values, v.count != count { values = nil }
        }
        return TensorInfo(dims: dims, dataType: t.dataType, values: values)
    }

    /// Scans an initializer's TensorProto for dims, type, name and small data only.
    private static func scanTensor(_ buffer: UnsafeRawBufferPointer, range: Range<Int>) throws -> (String, TensorInfo) {
        var s = ProtobufWireScanner(buffer, range: range)
        var dims: [Int64] = []
        var dataType: Int32 = 0
        var name = ""
        var raw: Range<Int>?
        var int64s: [Int64] = []
        var floatRange: Range<Int>?
        while let (field, value) = try s.next() {
            switch (field, value) {
            case (1, _): try s.appendVarints(value, to: &dims, limit: maxRank)
            case (2, .varint(let v)): dataType = Int32(truncatingIfNeeded: v)
            case (8, .bytes(let r)): name = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[r]), as: UTF8.self)
            case (9, .bytes(let r)): raw = r
            case (7, _), (5, _):
                if int64s.count <= smallTensorLimit { try s.appendVarints(value, to: &int64s, limit: Int.max) }
            case (4, .bytes(let r)): floatRange = r
            default: continue
            }
        }
        guard dims.allSatisfy({ $0 >= 0 && $0 <= maxDimension }) else {
            throw ProtobufWireScanner.WireError(message: "initializer '\(name)' has a dimension out of range")
        }
        let intDims = dims.map { Int($0) }
        var count = 1
        for d in intDims {
            let (p, o) = count.multipliedReportingOverflow(by: d)
            count = o ? Int.max : p
        }
        var values: [Double]?
        if count <= smallTensorLimit {
            if let raw { values = decodeRaw(UnsafeRawBufferPointer(rebasing: buffer[raw]), dataType: dataType) }
            else if !int64s.isEmpty { values = int64s.map(Double.init) }
            else if let floatRange {
                values = decodeRaw(UnsafeRawBufferPointer(rebasing: buffer[floatRange]), dataType: 1)
            }
            if let v = values, v.count != count { values = nil }
        }
        return (name, TensorInfo(dims: intDims, dataType: dataType, values: values))
    }

    /// Little-endian raw tensor bytes to numbers, for the element types shapes use.
    static func decodeRaw(_ bytes: UnsafeRawBufferPointer, dataType: Int32) -> [Double]? {
        func load<T: FixedWidthInteger>(_: T.Type) -> [Double] {
            let n = bytes.count / MemoryLayout<T>.size
            return (0..<n).map { Double(T(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self))) }
        }
        switch dataType {
        case 7: return load(Int64.self)
        case 6: return load(Int32.self)
        case 1:
            let n = bytes.count / 4
            return (0..<n).map { Double(Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))) }
        case 11:
            let n = bytes.count / 8
            return (0..<n).map { Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        default: return nil
        }
    }
}
