import Crypto
import Foundation

/// SHA-256 content hashes: 64 lowercase hex characters outside, 32 raw bytes inside keys.
public enum ContentHash {
    static let byteCount = 32

    /// The SHA-256 of `data` as 64 lowercase hex characters.
    public static func sha256Hex(of data: some DataProtocol) -> String {
        hex(of: SHA256.hash(data: data))
    }

    static func hex(of bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func bytes(ofHex hex: String, path: String) throws -> [UInt8] {
        let utf8 = Array(hex.utf8)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(byteCount)
        var index = 0
        while utf8.count == byteCount * 2, index < utf8.count, let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) {
            out.append(high << 4 | low)
            index += 2
        }
        guard out.count == byteCount else {
            throw StoreError.invalidArgument(path: path, reason: "'\(hex)' is not a SHA-256 hash (64 hex characters)")
        }
        return out
    }
}
