import Foundation

/// A data set file that cannot be used, with the place and the reason in plain words.
public struct DatasetError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The file the problem is in (as the user named it, or its path).
    public var file: String
    /// 1-based line number, when the problem is on one line.
    public var line: Int?
    public var problem: String

    public init(file: String, line: Int? = nil, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public init(file: URL, line: Int? = nil, problem: String) {
        self.init(file: file.path, line: line, problem: problem)
    }

    public var description: String {
        if let line { return "\(file):\(line): \(problem)" }
        return "\(file): \(problem)"
    }

    public var errorDescription: String? { description }
}
