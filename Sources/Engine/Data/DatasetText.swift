import Foundation

/// Reads a whole data set file as UTF-8 text, turning I/O and encoding failures into
/// `DatasetError`s that name the file.
enum DatasetText {
    static func read(_ url: URL) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DatasetError(file: url, problem: "cannot be read (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DatasetError(file: url, problem: "is not UTF-8 text")
        }
        return text
    }

    /// Splits into lines, accepting both `\n` and `\r\n` endings; element i is line i+1.
    static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
    }
}
