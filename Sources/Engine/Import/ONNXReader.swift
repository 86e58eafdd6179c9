import Foundation
import ONNX
import SwiftProtobuf

/// Reads an ONNX ModelProto into a `RawGraph`.
///
/// Why not decode the whole ModelProto with SwiftProtobuf: it copies every `bytes`
/// field, so a file with full weights would be copied into memory. Instead the file is
/// memory-mapped and walked with `ProtobufWireScanner`; nodes and their attributes are
/// scanned in place, value infos (few) are decoded with SwiftProtobuf, initializers are
/// scanned by hand for their dims, type and name, and their data is read only when it is
/// small enough to matter for shapes (a Reshape target, Slice bounds, Resize scales).
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
        } catch BinaryDecodingError.messageDepthLimit {
            throw ImportError(.malformed, file: file, "not a valid ONNX file: its messages are nested more than "
                              + "\(BinaryDecodingOptions().messageDepthLimit) levels deep")
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
                nodes.append(try scanNode(buffer, range: r, file: file))
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

    /// Reads a NodeProto in place. Why not SwiftProtobuf: decoding a copy of every node
    /// was the larger half of import time for 300-node transformer files; the fields
    /// shapes need are few. Attributes other than numbers, strings and tensors (graphs,
    /// sparse tensors, type protos) are `.other`, as before.
    private static func scanNode(_ buffer: UnsafeRawBufferPointer, range: Range<Int>, file: String) throws -> RawNode {
        var s = ProtobufWireScanner(buffer, range: range)
        var inputs: [String] = [], outputs: [String] = []
        var name = "", op = ""
        var attributes: [String: AttributeValue] = [:]
        while let (field, value) = try s.next() {
            guard case .bytes(let r) = value else { continue }
            switch field {
            case 1: inputs.append(s.string(r))
            case 2: outputs.append(s.string(r))
            case 3: name = s.string(r)
            case 4: op = s.string(r)
            case 5:
                let (key, attribute) = try scanAttribute(buffer, range: r)
                attributes[key] = attribute
            default: continue
            }
        }
        let nodeName = outputs.first { !$0.isEmpty } ?? name
        guard !nodeName.isEmpty else {
            throw ImportError(.structure, file: file, op: op, "a node has neither a name nor an output")
        }
        return RawNode(name: nodeName, op: op, inputs: inputs, outputs: outputs, attributes: attributes)
    }

    /// Reads an AttributeProto in place. Exporters that omit the type field: the type is
    /// inferred from what is set.
    private static func scanAttribute(_ buffer: UnsafeRawBufferPointer, range: Range<Int>) throws -> (String, AttributeValue) {
        var s = ProtobufWireScanner(buffer, range: range)
        var name = ""
        var type: UInt64?
        var i: Int64?, f: Float?, str: String?, tensor: Range<Int>?
        var ints: [Int64] = [], floats: [Float] = []
        while let (field, value) = try s.next() {
            switch (field, value) {
            case (1, .bytes(let r)): name = s.string(r)
            case (20, .varint(let v)): type = v
            case (2, .fixed32(let bits)): f = Float(bitPattern: bits)
            case (3, .varint(let v)): i = Int64(bitPattern: v)
            case (4, .bytes(let r)): str = s.string(r)
            case (5, .bytes(let r)): tensor = r
            case (7, _): try s.appendFloats(value, to: &floats)
            case (8, _): try s.appendVarints(value, to: &ints, limit: Int.max)
            default: continue
            }
        }
        func tensorValue(_ r: Range<Int>) throws -> AttributeValue {
            .tensor(tensorInfo(try Onnx_TensorProto(serializedBytes: Data(buffer[r]))))
        }
        switch type {
        case 2?: return (name, .int(boundedInt(i ?? 0)))
        case 7?: return (name, .ints(ints.map(boundedInt)))
        case 1?: return (name, .float(f ?? 0))
        case 6?: return (name, .floats(floats))
        case 3?: return (name, .string(str ?? ""))
        case 4?: return (name, try tensor.map { try tensorValue($0) } ?? .tensor(TensorInfo(dims: [], dataType: 0)))
        case nil, 0?:
            if let tensor { return (name, try tensorValue(tensor)) }
            if !ints.isEmpty { return (name, .ints(ints.map(boundedInt))) }
            if !floats.isEmpty { return (name, .floats(floats)) }
            if let i { return (name, .int(boundedInt(i))) }
            if let f { return (name, .float(f)) }
            if let str { return (name, .string(str)) }
            return (name, .other)
        default:
            return (name, .other)
        }
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
