import Foundation

/// Why a file is not valid JSON, in plain words: Foundation's parser reports most problems
/// as "The operation could not be completed", so the common ones are found here.
enum JSONProblem {
    /// The deepest nesting of arrays and objects the parser takes.
    static let maximumDepth = 512

    /// A sentence for a file that `JSONSerialization` refused with `error`.
    static func describe(_ data: Data, error: any Error) -> String {
        if let problem = find(in: data) { return problem }
        let debug = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        return "not valid JSON" + (debug.map { " (\($0))" } ?? "")
    }

    /// The first problem a reader would want named: an empty file, nesting deeper than the
    /// parser takes, NaN or Infinity (JavaScript numbers, not JSON), with its line.
    static func find(in data: Data) -> String? {
        var line = 1, depth = 0
        var inString = false, escaped = false
        var index = data.startIndex
        var sawValue = false
        while index < data.endIndex {
            let byte = data[index]
            if byte == UInt8(ascii: "\n") { line += 1 }
            if inString {
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inString = false }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                index += 1
                continue
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maximumDepth {
                    return "not valid JSON: line \(line): arrays and objects are nested more than \(maximumDepth) levels deep"
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
            case UInt8(ascii: "N"), UInt8(ascii: "I"), UInt8(ascii: "n"), UInt8(ascii: "i"), UInt8(ascii: "-"):
                let word = data[index...].prefix { isWordByte($0) }
                let text = String(decoding: word, as: UTF8.self)
                if ["NaN", "nan", "Infinity", "-Infinity", "inf", "-inf"].contains(text) {
                    return "not valid JSON: line \(line): \(text) is not a JSON number (JSON has no NaN or Infinity; "
                        + "write a finite number or leave the value out)"
                }
                index += max(word.count, 1)
                sawValue = true
                continue
            default:
                break
            }
            sawValue = true
            index += 1
        }
        if !sawValue { return "the file is empty; a graph JSON file holds one object" }
        return nil
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "-")
    }
}
