import CZlib

/// zlib streams (RFC 1950: deflate with an Adler-32 check) for the values the store keeps
/// compressed. The check makes a damaged value an error instead of wrong numbers.
enum Deflate {
    /// zlib's fastest level: on the measured networks' tokens it keeps nearly all of level
    /// 6's gain at about half the time (docs/store.md, table `tokens`).
    static let level: Int32 = 1

    static func compress(_ input: [UInt8]) -> [UInt8] {
        var capacity = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let code = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { source in
                compress2(out.baseAddress, &capacity, source.baseAddress, uLong(source.count), level)
            }
        }
        // compressBound is an upper bound for every input, and the level is valid: zlib
        // cannot fail here short of running out of memory, which Swift treats as fatal too.
        precondition(code == Z_OK, "zlib compress2 failed with code \(code)")
        output.removeLast(output.count - Int(capacity))
        return output
    }

    /// The bytes of `stream`, which must inflate to exactly `count` bytes; nil when it does
    /// not (damaged, truncated, or not a zlib stream).
    static func decompress(_ stream: ArraySlice<UInt8>, count: Int) -> [UInt8]? {
        guard count >= 0 else { return nil }
        var length = uLong(count)
        var output = [UInt8](repeating: 0, count: count)
        let code = output.withUnsafeMutableBufferPointer { out in
            stream.withUnsafeBufferPointer { source in
                uncompress(out.baseAddress, &length, source.baseAddress, uLong(source.count))
            }
        }
        guard code == Z_OK, length == uLong(count) else { return nil }
        return output
    }
}
