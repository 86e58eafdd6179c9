import Yams

/// Turns a Yams parse error into one plain sentence at one place, instead of the
/// multi-line dump `YamlError.description` gives.
public enum YAMLSyntaxIssue {
    public static func issue(for error: any Error, file: String, yaml: String) -> ConfigIssue {
        guard let error = error as? YamlError else {
            return ConfigIssue(file: file, line: nil, column: nil, keyPath: .root,
                               message: "cannot be read as YAML: \(error)")
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            if let tab = tabIndentation(in: yaml, near: mark) {
                return ConfigIssue(file: file, line: tab.line, column: tab.column, keyPath: .root,
                                   message: "YAML syntax: a tab is used for indentation; YAML allows only spaces there")
            }
            if problem == "but found another document" {
                return ConfigIssue(file: file, line: mark.line, column: mark.column, keyPath: .root,
                                   message: "YAML syntax: the file holds more than one document (---); keep only one")
            }
            var message = "YAML syntax: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return ConfigIssue(file: file, line: mark.line, column: mark.column, keyPath: .root, message: message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ConfigIssue(file: file, line: context.mark.line, column: context.mark.column, keyPath: .root,
                               message: "key \(keys) appears more than once in the same mapping")
        case .reader(let problem, let offset, _, _):
            let mark = offset.map { position(ofCharacterOffset: $0, in: yaml) }
            return ConfigIssue(file: file, line: mark?.line, column: mark?.column, keyPath: .root,
                               message: "cannot be read as YAML text: \(problem)")
        case .dataCouldNotBeDecoded:
            return ConfigIssue(file: file, line: nil, column: nil, keyPath: .root, message: "the file is not UTF-8 text")
        default:
            return ConfigIssue(file: file, line: nil, column: nil, keyPath: .root,
                               message: "cannot be read as YAML: \(error)")
        }
    }

    /// libyaml reports a tab indent as "found character that cannot start any token" or
    /// a mapping problem at or just after the tab: look at the reported line and the one
    /// before it for a tab among the leading whitespace.
    private static func tabIndentation(in yaml: String, near mark: Mark) -> (line: Int, column: Int)? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        for lineNumber in [mark.line, mark.line - 1] where lineNumber >= 1 && lineNumber <= lines.count {
            let indentation = lines[lineNumber - 1].prefix(while: { $0 == " " || $0 == "\t" })
            if let tab = indentation.firstIndex(of: "\t") {
                return (lineNumber, indentation.distance(from: indentation.startIndex, to: tab) + 1)
            }
        }
        return nil
    }

    private static func position(ofCharacterOffset offset: Int, in yaml: String) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for character in yaml.prefix(offset) {
            if character == "\n" || character == "\r\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}
