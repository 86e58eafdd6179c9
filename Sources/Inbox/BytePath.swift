/// A file-system path as raw bytes, so that names that are not valid UTF-8 survive
/// being joined and passed to system calls.
package struct BytePath: Hashable, Sendable, CustomStringConvertible {
    package var bytes: [UInt8]

    package init(_ string: String) { bytes = Array(string.utf8) }
    package init(bytes: [UInt8]) { self.bytes = bytes }

    package func appending(_ name: DropName) -> BytePath {
        var joined = bytes
        if joined.last != UInt8(ascii: "/") { joined.append(UInt8(ascii: "/")) }
        return BytePath(bytes: joined + name.bytes)
    }

    package func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        let terminated = bytes.map { CChar(bitPattern: $0) } + [0]
        return try terminated.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// Printable, like `DropName.description`.
    package var description: String { DropName(bytes: bytes).description }
}
