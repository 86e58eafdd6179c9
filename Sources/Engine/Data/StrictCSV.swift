import Foundation

/// A small, strict CSV reader: a header line, then rows with exactly as many fields.
///
/// The data sets here are simple (no field spans lines), so this reads one line at a
/// time and can name the line of every problem. Double-quoted fields with `""` escapes
/// are accepted; a quote that is never closed is an error.
struct StrictCSV {
    struct Row {
        /// 1-based line number in the file.
        var line: Int
        var fields: [String]
    }

    var header: [String]
    var rows: [Row]

    static func load(_ url: URL) throws -> StrictCSV {
        try parse(DatasetText.read(url), file: url.path)
    }

    static func parse(_ text: String, file: String) throws -> StrictCSV {
        var header: [String]?
        var rows: [Row] = []
        for (offset, rawLine) in DatasetText.lines(text).enumerated() {
            let lineNumber = offset + 1
            if rawLine.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields: [String]
            do {
                fields = try splitFields(rawLine)
            } catch let reason as FieldError {
                throw DatasetError(file: file, line: lineNumber, problem: reason.message)
            }
            guard let columns = header else {
                let names = fields.map { $0.trimmingCharacters(in: .whitespaces) }
                if let empty = names.firstIndex(of: "") {
                    throw DatasetError(file: file, line: lineNumber, problem: "header column \(empty + 1) has no name")
                }
                var seen = Set<String>()
                for name in names where !seen.insert(name).inserted {
                    throw DatasetError(file: file, line: lineNumber, problem: "header names column '\(name)' twice")
                }
                header = names
                continue
            }
            guard fields.count == columns.count else {
                throw DatasetError(file: file, line: lineNumber,
                                   problem: "has \(fields.count) fields, the header has \(columns.count)")
            }
            rows.append(Row(line: lineNumber, fields: fields))
        }
        guard let header else { throw DatasetError(file: file, problem: "is empty (no header line)") }
        return StrictCSV(header: header, rows: rows)
    }

    struct FieldError: Error { var message: String }

    static func splitFields(_ line: Substring) throws -> [String] {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var fieldWasQuoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if inQuotes {
                if character == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex, line[next] == "\"" {
                        current.append("\"")
                        index = next
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "," {
                fields.append(fieldWasQuoted ? current : current.trimmingCharacters(in: .whitespaces))
                current = ""
                fieldWasQuoted = false
            } else if character == "\"" && current.trimmingCharacters(in: .whitespaces).isEmpty && !fieldWasQuoted {
                current = ""
                inQuotes = true
                fieldWasQuoted = true
            } else if fieldWasQuoted {
                if character != " " && character != "\t" {
                    throw FieldError(message: "text after a closing quote in field \(fields.count + 1)")
                }
            } else {
                current.append(character)
            }
            index = line.index(after: index)
        }
        if inQuotes { throw FieldError(message: "a quote in field \(fields.count + 1) is never closed") }
        fields.append(fieldWasQuoted ? current : current.trimmingCharacters(in: .whitespaces))
        return fields
    }
}
