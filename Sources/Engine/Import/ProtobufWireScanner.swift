/// Walks the top-level fields of one protobuf message in place, without copying it.
/// The ONNX reader uses it to skip weight bytes (TensorProto.raw_data and friends) that
/// SwiftProtobuf would otherwise copy into memory. Every read is bounds-checked, so a
/// truncated or hostile buffer ends in `WireError`, never a trap.
struct ProtobufWireScanner {
    struct WireError: Error {
        var message: String
        /// The buffer ended before the field did: a verdict on a buffer that is only the
        /// opening of a longer file says nothing yet (`NetworkImporter.openingProblem`).
        var truncated = false
    }

    enum Value {
        case varint(UInt64)
        case fixed64
        /// The 4 bytes (little-endian), for float attributes.
        case fixed32(UInt32)
        case bytes(Range<Int>)
    }

    let buffer: UnsafeRawBufferPointer
    private(set) var position: Int
    let end: Int

    init(_ buffer: UnsafeRawBufferPointer, range: Range<Int>? = nil) {
        self.buffer = buffer
        self.position = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? buffer.count
    }

    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw WireError(message: "the file ends inside a number", truncated: true) }
            let byte = buffer[position]
            position += 1
            if shift == 63 && byte > 1 { throw WireError(message: "a number is longer than 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw WireError(message: "a number is longer than 64 bits") }
        }
    }

    /// The next field, or `nil` at the end of the message.
    mutating func next() throws -> (field: Int, value: Value)? {
        guard position < end else { return nil }
        let key = try readVarint()
        let field = Int(truncatingIfNeeded: key >> 3)
        guard field > 0 else { throw WireError(message: "a field number is zero") }
        switch key & 7 {
        case 0: return (field, .varint(try readVarint()))
        case 1:
            guard end - position >= 8 else { throw WireError(message: "the file ends inside a field", truncated: true) }
            position += 8
            return (field, .fixed64)
        case 2:
            let length = try readVarint()
            guard length <= UInt64(end - position) else {
                throw WireError(message: "a field claims \(length) bytes but only \(end - position) remain", truncated: true)
            }
            let start = position
            position += Int(length)
            return (field, .bytes(start..<position))
        case 5:
            guard end - position >= 4 else { throw WireError(message: "the file ends inside a field", truncated: true) }
            let bits = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self))
            position += 4
            return (field, .fixed32(bits))
        default:
            throw WireError(message: "unknown wire type \(key & 7)")
        }
    }

    /// The first problem the fields of this buffer show for certain, where the buffer is
    /// the opening of a message `fileBytes` long: a zero field number, an unknown wire type,
    /// a number longer than 64 bits, a length past the end of the file. Nil when what is
    /// there is sound so far, including a field cut off by the end of the opening (the rest
    /// of the file may complete it). Only the top-level fields are looked at.
    mutating func openingProblem(fileBytes: Int) -> String? {
        do {
            while position < end {
                let key = try readVarint()
                guard key >> 3 > 0 else { return "a field number is zero" }
                switch key & 7 {
                case 0: _ = try readVarint()
                case 1: position += 8
                case 5: position += 4
                case 2:
                    let length = try readVarint()
                    let left = fileBytes - position
                    guard length <= UInt64(max(left, 0)) else {
                        return "a field claims \(length) bytes but only \(left) remain"
                    }
                    position += Int(length)
                default: return "unknown wire type \(key & 7)"
                }
            }
            return nil
        } catch let error as WireError {
            return error.truncated ? nil : error.message
        } catch {
            return nil
        }
    }

    /// A length-delimited field as a string (invalid UTF-8 repaired, as SwiftProtobuf does not
    /// for names, but a name only has to be consistent within one file).
    func string(_ r: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: buffer[r]), as: UTF8.self)
    }

    /// Decodes a packed or single fixed32 (float) field into `out`.
    func appendFloats(_ value: Value, to out: inout [Float]) throws {
        switch value {
        case .fixed32(let bits):
            out.append(Float(bitPattern: bits))
        case .bytes(let r):
            guard r.count % 4 == 0 else { throw WireError(message: "a float list is not a whole number of floats") }
            for offset in stride(from: r.lowerBound, to: r.upperBound, by: 4) {
                out.append(Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
            }
        default:
            throw WireError(message: "a float list has the wrong wire type")
        }
    }

    /// Decodes a packed or single varint field into `out`.
    func appendVarints(_ value: Value, to out: inout [Int64], limit: Int) throws {
        switch value {
        case .varint(let v):
            out.append(Int64(bitPattern: v))
        case .bytes(let r):
            var inner = ProtobufWireScanner(buffer, range: r)
            while inner.position < inner.end {
                guard out.count < limit else { throw WireError(message: "a tensor has more than \(limit) dimensions") }
                out.append(Int64(bitPattern: try inner.readVarint()))
            }
        default:
            throw WireError(message: "a number list has the wrong wire type")
        }
        guard out.count <= limit else { throw WireError(message: "a tensor has more than \(limit) dimensions") }
    }
}
