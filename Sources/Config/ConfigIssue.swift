/// One thing wrong with a config file: where it is and what is wrong, in plain words.
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    /// The config file as the user named it.
    public let file: String
    /// 1-based line and column in the file; nil when the problem is not at one place
    /// (the file cannot be read at all).
    public let line: Int?
    public let column: Int?
    /// The key the problem is about; `.root` for problems with the whole document.
    public let keyPath: ConfigKeyPath
    public let message: String

    public init(file: String, line: Int?, column: Int?, keyPath: ConfigKeyPath, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    /// `FILE:LINE:COL: key.path: message`, the form compilers use, so editors can jump to it.
    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        text += ": "
        if !keyPath.isRoot { text += "\(keyPath): " }
        return text + message
    }
}
