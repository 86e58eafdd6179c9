import Foundation
import Yams

/// The outcome of checking a config file: the config when it is sound, otherwise every
/// problem found; plus notes that are not problems (paths that will be created).
public struct ConfigCheck: Sendable {
    /// The file as the user named it.
    public let file: String
    /// Present exactly when `issues` is empty.
    public let config: NarformerConfig?
    public let issues: [ConfigIssue]
    public let notes: [ConfigIssue]

    /// What `narformer config check` prints: `OK: FILE (summary)` and the notes, or one
    /// line per issue.
    public var reportLines: [String] {
        guard let config else { return issues.map(\.description) }
        let inboxes = config.inboxes.count == 1 ? "1 inbox" : "\(config.inboxes.count) inboxes"
        let platforms = config.platforms.count == 1 ? "1 platform" : "\(config.platforms.count) platforms"
        return ["OK: \(file) (\(platforms), \(inboxes), store \(config.store.path))"]
            + notes.map { "note: \($0)" }
    }
}

extension NarformerConfig {
    /// Config files larger than this are refused unread: a real one is a few KiB, and a
    /// wrong path (a store file, a log) should fail fast and clearly.
    static let maximumFileSize = 1 << 20

    /// Reads and checks a config file; relative paths in it resolve against the file's
    /// own directory. `checkFileSystem: false` skips every check that looks at the disk
    /// (for checking a production config on a build machine).
    public static func load(contentsOf file: String, checkFileSystem: Bool = true) throws(ConfigError) -> NarformerConfig {
        let check = check(contentsOf: file, checkFileSystem: checkFileSystem)
        guard let config = check.config else { throw ConfigError(issues: check.issues) }
        return config
    }

    /// Checks YAML text as if it were the file `file`, resolving relative paths against
    /// `baseDirectory`.
    public static func parse(yaml: String, file: String, baseDirectory: String,
                             checkFileSystem: Bool = true) throws(ConfigError) -> NarformerConfig {
        let check = check(yaml: yaml, file: file, baseDirectory: baseDirectory, checkFileSystem: checkFileSystem)
        guard let config = check.config else { throw ConfigError(issues: check.issues) }
        return config
    }

    /// Like `load`, but returns the problems and notes instead of throwing.
    public static func check(contentsOf file: String, checkFileSystem: Bool = true) -> ConfigCheck {
        func failure(_ message: String) -> ConfigCheck {
            ConfigCheck(file: file, config: nil,
                        issues: [ConfigIssue(file: file, line: nil, column: nil, keyPath: .root, message: message)],
                        notes: [])
        }
        let url = URL(fileURLWithPath: file).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            return failure("no such file")
        }
        guard !isDirectory.boolValue else { return failure("is a directory, not a config file") }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            data = try handle.read(upToCount: maximumFileSize + 1) ?? Data()
        } catch {
            return failure("cannot be read: \(error.localizedDescription)")
        }
        guard data.count <= maximumFileSize else {
            return failure("is larger than \(ByteSize(bytes: maximumFileSize)); this is not a config file")
        }
        guard let yaml = String(data: data, encoding: .utf8) else { return failure("is not UTF-8 text") }
        return check(yaml: yaml, file: file, baseDirectory: url.deletingLastPathComponent().path,
                     checkFileSystem: checkFileSystem)
    }

    /// Like `parse`, but returns the problems and notes instead of throwing.
    public static func check(yaml: String, file: String, baseDirectory: String,
                             checkFileSystem: Bool = true) -> ConfigCheck {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            return ConfigCheck(file: file, config: nil,
                               issues: [YAMLSyntaxIssue.issue(for: error, file: file, yaml: yaml)], notes: [])
        }
        guard let root else {
            let empty = ConfigIssue(file: file, line: 1, column: 1, keyPath: .root,
                                    message: "the file is empty; a config needs at least store:, models: and platforms:")
            return ConfigCheck(file: file, config: nil, issues: [empty], notes: [])
        }
        let reader = ConfigReader(file: file, baseDirectory: baseDirectory, checkFileSystem: checkFileSystem)
        let config = NarformerConfig.read(root, reader: reader)
        // File order; issues at the same place keep the order they were found in.
        let issues = reader.issues.enumerated().sorted {
            ($0.element.line ?? 0, $0.element.column ?? 0, $0.offset) < ($1.element.line ?? 0, $1.element.column ?? 0, $1.offset)
        }.map(\.element)
        return ConfigCheck(file: file, config: issues.isEmpty ? config : nil, issues: issues, notes: reader.notes)
    }

    /// The config with every default filled in, as YAML that loads back to the same config.
    public func renderedYAML() throws -> String {
        // libyaml's emitter writes 0.2 as 2e-1; people write (and read) 0.2.
        let yaml = try YAMLEncoder().encode(self)
        return yaml.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let match = line.firstMatch(of: /^(.*: )(-?[0-9]+(?:\.[0-9]+)?e[-+]?[0-9]+)$/),
                  let number = Double(match.output.2) else { return String(line) }
            return String(match.output.1) + "\(number)"
        }.joined(separator: "\n")
    }

    /// The config with every default filled in, as JSON.
    public func renderedJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
