import Foundation
import Yams

/// Walks a composed YAML tree and reads typed values out of it, collecting every problem
/// (with its line and column) instead of stopping at the first. A value that is wrong is
/// reported and replaced by its default, so reading goes on and later problems are found
/// in the same pass.
final class ConfigReader {
    let file: String
    /// Relative paths in the config resolve against this directory.
    let baseDirectory: String
    let checkFileSystem: Bool
    private(set) var issues: [ConfigIssue] = []
    private(set) var notes: [ConfigIssue] = []

    init(file: String, baseDirectory: String, checkFileSystem: Bool) {
        self.file = file
        self.baseDirectory = baseDirectory
        self.checkFileSystem = checkFileSystem
    }

    // MARK: Reporting

    func report(_ message: String, at path: ConfigKeyPath, mark: Mark?) {
        issues.append(ConfigIssue(file: file, line: mark?.line, column: mark?.column, keyPath: path, message: message))
    }

    func report(_ message: String, at path: ConfigKeyPath, node: Node) {
        report(message, at: path, mark: node.mark)
    }

    /// Records something worth knowing that is not a problem; the same message is kept once.
    func note(_ message: String, at path: ConfigKeyPath, mark: Mark?) {
        guard !notes.contains(where: { $0.message == message }) else { return }
        notes.append(ConfigIssue(file: file, line: mark?.line, column: mark?.column, keyPath: path, message: message))
    }

    // MARK: Structure

    /// The fields of a mapping, after reporting keys that are not in `keys` (with a
    /// suggestion when one is close) and `required` keys that are missing or empty.
    /// An absent mapping (`node` nil) reads as an empty one placed at `parentMark`.
    /// Returns nil, after reporting, when the node is not a mapping at all.
    func mapping(_ node: Node?, at path: ConfigKeyPath, parentMark: Mark?,
                 keys: [String], required: [String] = []) -> MappingFields? {
        var values: [String: Node] = [:]
        var mark = parentMark
        if let node {
            guard case .mapping(let mapping) = node else {
                report("expected a mapping of keys (\(keys.joined(separator: ", "))), found \(Self.describe(node))",
                       at: path, node: node)
                return nil
            }
            mark = mapping.mark
            for (keyNode, value) in mapping {
                guard case .scalar(let scalar) = keyNode else {
                    report("keys must be plain words, found \(Self.describe(keyNode)) as a key", at: path, node: keyNode)
                    continue
                }
                let key = scalar.string
                guard keys.contains(key) else {
                    var message = "unknown key '\(key)'"
                    if let suggestion = Suggestion.closest(to: key, among: keys) {
                        message += "; did you mean '\(suggestion)'?"
                    } else {
                        message += "; known keys here: \(keys.joined(separator: ", "))"
                    }
                    report(message, at: path.appending(key), node: keyNode)
                    continue
                }
                values[key] = value
            }
        }
        let fields = MappingFields(path: path, mark: mark, values: values)
        for key in required where fields[key] == nil {
            if values[key] != nil {
                report("'\(key)' needs a value", at: path.appending(key), mark: values[key]?.mark ?? mark)
            } else {
                report("missing required key '\(key)'", at: path.appending(key), mark: mark)
            }
        }
        return fields
    }

    /// The items of a list, each with its key path; nil, after reporting, when the node
    /// is not a list. `itemsDescription` completes "expected a list of ...".
    func list(_ node: Node, at path: ConfigKeyPath, of itemsDescription: String) -> [(node: Node, path: ConfigKeyPath)]? {
        guard case .sequence(let sequence) = node else {
            report("expected a list of \(itemsDescription), found \(Self.describe(node))", at: path, node: node)
            return nil
        }
        return sequence.enumerated().map { ($0.element, path.appending(index: $0.offset)) }
    }

    /// Reads `fields[key]` with `convert`, falling back to `defaultValue` when the key is
    /// absent or its value was wrong (already reported by `convert`).
    func read<Value>(_ fields: MappingFields, _ key: String, default defaultValue: Value,
                     _ convert: (Node, ConfigKeyPath) -> Value?) -> Value {
        guard let node = fields[key] else { return defaultValue }
        return convert(node, fields.path(key)) ?? defaultValue
    }

    /// Reads `fields[key]` with `convert`; nil when the key is absent or its value was wrong.
    func readOptional<Value>(_ fields: MappingFields, _ key: String,
                             _ convert: (Node, ConfigKeyPath) -> Value?) -> Value? {
        guard let node = fields[key] else { return nil }
        return convert(node, fields.path(key))
    }

    // MARK: Scalars

    func integer(in range: ClosedRange<Int>) -> (Node, ConfigKeyPath) -> Int? {
        { node, path in
            guard case .scalar(let scalar) = node, node.tagName == .int else {
                self.report("expected an integer, found \(Self.describe(node))", at: path, node: node)
                return nil
            }
            guard let value = Int.construct(from: scalar) else {
                self.report("'\(scalar.string)' is too large", at: path, node: node)
                return nil
            }
            guard range.contains(value) else {
                self.report("\(value) is out of range: it must be \(Self.describe(range))", at: path, node: node)
                return nil
            }
            return value
        }
    }

    /// A number; `problem` says what is wrong with a parsed value, or nil when it is fine.
    func number(_ problem: @escaping (Double) -> String?) -> (Node, ConfigKeyPath) -> Double? {
        { node, path in
            guard case .scalar(let scalar) = node, node.tagName == .float || node.tagName == .int,
                  let value = Double.construct(from: scalar) else {
                self.report("expected a number, found \(Self.describe(node))", at: path, node: node)
                return nil
            }
            if let message = problem(value) {
                self.report("\(scalar.string) is out of range: \(message)", at: path, node: node)
                return nil
            }
            return value
        }
    }

    func boolean(_ node: Node, _ path: ConfigKeyPath) -> Bool? {
        guard case .scalar(let scalar) = node, node.tagName == .bool, let value = Bool.construct(from: scalar) else {
            report("expected true or false, found \(Self.describe(node))", at: path, node: node)
            return nil
        }
        return value
    }

    /// Any scalar, as written (so `name: 1080ti` and `description: yes` are text too).
    func text(_ node: Node, _ path: ConfigKeyPath) -> String? {
        guard case .scalar(let scalar) = node, node.tagName != .null else {
            report("expected a string, found \(Self.describe(node))", at: path, node: node)
            return nil
        }
        return scalar.string
    }

    /// A name made of lowercase letters, digits, dots, underscores and dashes, used in
    /// file names, store keys and logs.
    func name(_ node: Node, _ path: ConfigKeyPath) -> String? {
        guard let value = text(node, path) else { return nil }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        guard !value.isEmpty, value.count <= 64, value.allSatisfy(allowed.contains) else {
            report("'\(value)' is not a valid name: use 1 to 64 lowercase letters, digits, '.', '_' or '-'",
                   at: path, node: node)
            return nil
        }
        return value
    }

    /// One of the words of `Choice`, with a suggestion for a near miss.
    func choice<Choice: RawRepresentable & CaseIterable>(_: Choice.Type) -> (Node, ConfigKeyPath) -> Choice?
    where Choice.RawValue == String {
        { node, path in
            guard let word = self.text(node, path) else { return nil }
            if let value = Choice(rawValue: word) { return value }
            let words = Choice.allCases.map(\.rawValue)
            var message = "'\(word)' is not one of: \(words.joined(separator: ", "))"
            if let suggestion = Suggestion.closest(to: word, among: words) {
                message += "; did you mean '\(suggestion)'?"
            }
            self.report(message, at: path, node: node)
            return nil
        }
    }

    func duration(atLeast minimum: Duration) -> (Node, ConfigKeyPath) -> Duration? {
        { node, path in
            guard case .scalar(let scalar) = node, node.tagName != .null else {
                self.report("expected a duration such as 6h or 1h30m, found \(Self.describe(node))", at: path, node: node)
                return nil
            }
            switch DurationFormat.parse(scalar.string) {
            case .failure(let error):
                self.report(error.description, at: path, node: node)
                return nil
            case .success(let value) where value < minimum:
                self.report("\(scalar.string) is too short: it must be at least \(DurationFormat.format(minimum))",
                            at: path, node: node)
                return nil
            case .success(let value):
                return value
            }
        }
    }

    func size(atLeast minimum: ByteSize) -> (Node, ConfigKeyPath) -> ByteSize? {
        { node, path in
            guard case .scalar(let scalar) = node, node.tagName != .null else {
                self.report("expected a size such as 512MiB or 8GiB, found \(Self.describe(node))", at: path, node: node)
                return nil
            }
            switch ByteSize.parse(scalar.string) {
            case .failure(let error):
                self.report(error.description, at: path, node: node)
                return nil
            case .success(let value) where value < minimum:
                self.report("\(scalar.string) is too small: it must be at least \(minimum)", at: path, node: node)
                return nil
            case .success(let value):
                return value
            }
        }
    }

    // MARK: Describing what was found

    /// What a node is, in the words an error message needs: "a string (\"abc\")", "a list".
    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping:
            return "a mapping"
        case .sequence:
            return "a list"
        case .alias:
            return "an alias"
        case .scalar(let scalar):
            let shown = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "..." : scalar.string
            switch node.tagName {
            case .null: return "an empty value"
            case .bool: return "a boolean (\(shown))"
            case .int: return "an integer (\(shown))"
            case .float: return "a number (\(shown))"
            case .timestamp: return "a date (\(shown))"
            default: return "a string (\"\(shown)\")"
            }
        }
    }

    static func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == Int.max { return "at least \(range.lowerBound)" }
        return "between \(range.lowerBound) and \(range.upperBound)"
    }
}
