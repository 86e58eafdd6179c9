import Foundation

/// Builds binary keys whose byte order (LMDB's memcmp) is their logical order:
/// integers big-endian, signed integers with the sign bit flipped, strings UTF-8 ended by 0x00
/// (so a string sorts before every longer string it prefixes), hashes as 32 raw bytes.
struct KeyBytes {
    private(set) var bytes: [UInt8] = []
    let path: String

    init(path: String) {
        self.path = path
    }

    mutating func append(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Signed values order correctly once the sign bit is flipped.
    mutating func append(ordered value: Int64) {
        append(UInt64(bitPattern: value) ^ (1 << 63))
    }

    mutating func append(byte: UInt8) {
        bytes.append(byte)
    }

    /// A non-negative count (batch size, version) as a big-endian UInt32.
    mutating func append(count value: Int, what: String) throws {
        guard let narrow = UInt32(exactly: value) else {
            throw StoreError.invalidArgument(path: path, reason: "\(what) \(value) is outside 0...\(UInt32.max)")
        }
        append(narrow)
    }

    mutating func append(string: String, what: String) throws {
        let utf8 = Array(string.utf8)
        guard !utf8.contains(0) else {
            throw StoreError.invalidArgument(path: path, reason: "\(what) '\(string)' contains a NUL character")
        }
        bytes.append(contentsOf: utf8)
        bytes.append(0)
    }

    mutating func append(hash: String) throws {
        bytes.append(contentsOf: try ContentHash.bytes(ofHex: hash, path: path))
    }

    mutating func append(raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }

    /// The smallest key greater than every key starting with `prefix`; nil when there is none
    /// (an empty prefix or one of only 0xFF bytes), meaning "to the end".
    static func successor(ofPrefix prefix: [UInt8]) -> [UInt8]? {
        var result = prefix
        while let last = result.last {
            if last < 0xFF {
                result[result.count - 1] = last + 1
                return result
            }
            result.removeLast()
        }
        return nil
    }
}

/// Reads back the fields `KeyBytes` wrote, failing with `corruptRecord` on short or bad keys.
struct KeyReader {
    private let bytes: [UInt8]
    private var offset = 0
    private let path: String
    private let table: String

    init(_ bytes: [UInt8], path: String, table: String) {
        self.bytes = bytes
        self.path = path
        self.table = table
    }

    private func corrupt(_ reason: String) -> StoreError {
        .corruptRecord(path: path, table: table, reason: "key: \(reason)")
    }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard offset + count <= bytes.count else { throw corrupt("ends \(offset + count - bytes.count) bytes early") }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func uint32() throws -> UInt32 {
        try take(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func uint64() throws -> UInt64 {
        try take(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func orderedInt64() throws -> Int64 {
        Int64(bitPattern: try uint64() ^ (1 << 63))
    }

    mutating func byte() throws -> UInt8 {
        let slice = try take(1)
        return slice[slice.startIndex]
    }

    mutating func string() throws -> String {
        guard let end = bytes[offset...].firstIndex(of: 0) else { throw corrupt("string without its 0x00 end") }
        guard let text = String(validating: bytes[offset..<end], as: UTF8.self) else { throw corrupt("string is not UTF-8") }
        offset = end + 1
        return text
    }

    mutating func hash() throws -> String {
        ContentHash.hex(of: try take(ContentHash.byteCount))
    }

    mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    func expectEnd() throws {
        guard offset == bytes.count else { throw corrupt("\(bytes.count - offset) unexpected trailing bytes") }
    }
}
