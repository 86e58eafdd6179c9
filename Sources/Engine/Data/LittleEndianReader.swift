/// Reads little-endian fields forward from a byte array. Running past the end throws
/// `Truncated`; each binary format turns that into its own error, so the bounds checks
/// live here once and the formats keep only their own layout rules.
package struct LittleEndianReader {
    package struct Truncated: Error {
        /// Bytes the read asked for beyond the end.
        package var missing: Int
    }

    private let bytes: [UInt8]
    private var offset = 0

    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    package var remaining: Int { bytes.count - offset }

    package mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else { throw Truncated(missing: max(count - remaining, 1)) }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    package mutating func byte() throws -> UInt8 {
        let slice = try take(1)
        return slice[slice.startIndex]
    }

    package mutating func u32() throws -> UInt32 {
        let slice = try take(4)
        let at = slice.startIndex
        return UInt32(slice[at]) | UInt32(slice[at + 1]) << 8 | UInt32(slice[at + 2]) << 16 | UInt32(slice[at + 3]) << 24
    }

    package mutating func u64() throws -> UInt64 {
        let low = UInt64(try u32())
        return low | UInt64(try u32()) << 32
    }

    /// `count` float32 values.
    package mutating func floats(_ count: Int) throws -> [Float] {
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: 4)
        guard !overflow else { throw Truncated(missing: Int.max) }
        return try take(byteCount).withUnsafeBytes { raw in
            (0..<count).map { i in
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
        }
    }
}
