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

    /// Splits into lines at `\n`, `\r\n` or `\r`; element i is line i+1. (Swift reads
    /// `\r\n` as one Character, so splitting on "\n" alone would miss CRLF files.)
    static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }
}
