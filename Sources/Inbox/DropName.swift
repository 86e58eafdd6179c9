/// A file name exactly as the kernel gave it: raw bytes, because an untrusted inbox may
/// hold names that are not valid UTF-8 and we must still be able to move those files.
package struct DropName: Hashable, Sendable, CustomStringConvertible {
    package let bytes: [UInt8]

    package init(bytes: [UInt8]) { self.bytes = bytes }
    package init(_ string: String) { self.bytes = Array(string.utf8) }

    /// The protocol's own folders inside an inbox; never treated as drops.
    package static let workFolder = DropName(".work")
    package static let doneFolder = DropName("done")
    package static let failedFolder = DropName("failed")

    /// Whether a name in an inbox is a drop to claim. Writers drop atomically by writing a
    /// hidden, `.tmp` or `.part` file and renaming it, so those are skipped until renamed.
    package var isCandidate: Bool {
        guard let first = bytes.first, first != UInt8(ascii: ".") else { return false }
        if self == Self.doneFolder || self == Self.failedFolder { return false }
        let lower = String(decoding: bytes, as: UTF8.self).lowercased()
        return !lower.hasSuffix(".tmp") && !lower.hasSuffix(".part")
    }

    /// The extension after the last dot, lower-cased ("" when there is none).
    package var fileExtension: String {
        guard let dot = bytes.lastIndex(of: UInt8(ascii: ".")), dot > 0 else { return "" }
        return String(decoding: bytes[(dot + 1)...], as: UTF8.self).lowercased()
    }

    /// A printable rendering for logs and error files: control characters and bytes that
    /// are not UTF-8 become `\xNN`, so a hostile name cannot forge log lines.
    package var description: String {
        var out = ""
        var index = 0
        while index < bytes.count {
            let (scalar, length) = Self.decodeScalar(bytes, at: index)
            if let scalar, !Self.isControl(scalar), scalar != "\\" {
                out.unicodeScalars.append(scalar)
            } else {
                for byte in bytes[index..<(index + length)] {
                    out += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
                }
            }
            index += length
        }
        return out
    }

    /// A safe name for `done/` and `failed/`: control characters and broken UTF-8 replaced
    /// by `_`, cut (keeping the extension) so that `-NNNN` plus the longest sidecar suffix
    /// still fits in the 255-byte limit of a file name.
    package func storedName(maxBytes: Int) -> DropName {
        var clean: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let (scalar, length) = Self.decodeScalar(bytes, at: index)
            if let scalar, !Self.isControl(scalar) {
                clean.append(contentsOf: bytes[index..<(index + length)])
            } else {
                clean.append(UInt8(ascii: "_"))
            }
            index += length
        }
        guard clean.count > maxBytes else { return DropName(bytes: clean) }
        let ext = DropName(bytes: clean).fileExtension
        let tail = ext.isEmpty || ext.utf8.count > maxBytes / 2 ? [] : Array(("." + ext).utf8)
        var stem = Array(clean.prefix(maxBytes - tail.count))
        // Never cut inside a multi-byte character (`clean` is valid UTF-8 up to the cut).
        while !stem.isEmpty && String(validating: stem, as: UTF8.self) == nil { stem.removeLast() }
        return DropName(bytes: stem + tail)
    }

    /// This name with `-n` inserted before the extension (for collisions in done/failed).
    package func numbered(_ n: Int) -> DropName {
        let suffix = Array("-\(n)".utf8)
        if let dot = bytes.lastIndex(of: UInt8(ascii: ".")), dot > 0 {
            return DropName(bytes: Array(bytes[..<dot]) + suffix + Array(bytes[dot...]))
        }
        return DropName(bytes: bytes + suffix)
    }

    package func appending(_ suffix: String) -> DropName { DropName(bytes: bytes + Array(suffix.utf8)) }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            || scalar.properties.generalCategory == .format
            || scalar.properties.generalCategory == .lineSeparator
            || scalar.properties.generalCategory == .paragraphSeparator
    }

    /// Decodes one UTF-8 scalar at `index`; nil (length 1) for an invalid byte.
    private static func decodeScalar(_ bytes: [UInt8], at index: Int) -> (Unicode.Scalar?, Int) {
        let lead = bytes[index]
        let length: Int
        switch lead {
        case 0x00...0x7F: return (Unicode.Scalar(lead), 1)
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return (nil, 1)
        }
        guard index + length <= bytes.count,
              let text = String(validating: bytes[index..<(index + length)], as: UTF8.self),
              let scalar = text.unicodeScalars.first
        else { return (nil, 1) }
        return (scalar, length)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
