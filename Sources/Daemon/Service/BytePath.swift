/// A file-system path as raw bytes, so that names that are not valid UTF-8 survive
/// being joined and passed to system calls.
struct BytePath: Hashable, Sendable, CustomStringConvertible {
    var bytes: [UInt8]

    init(_ string: String) { bytes = Array(string.utf8) }
    init(bytes: [UInt8]) { self.bytes = bytes }

    func appending(_ name: DropName) -> BytePath {
        var joined = bytes
        if joined.last != UInt8(ascii: "/") { joined.append(UInt8(ascii: "/")) }
        return BytePath(bytes: joined + name.bytes)
    }

    func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        let terminated = bytes.map { CChar(bitPattern: $0) } + [0]
        return try terminated.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// Printable, like `DropName.description`.
    var description: String { DropName(bytes: bytes).description }
}
