import Foundation
import Yams

/// What the config expects to find at a path, which decides how it is checked.
enum PathRole {
    /// A directory narformer creates (with its parents) when missing: the store, the
    /// model directory, an inbox.
    case directoryToCreate
    /// A file that must already exist: a model named in the config.
    case existingFile
}

extension ConfigReader {
    /// Reads a path, resolves it against the config file's directory when relative, and
    /// checks the file system according to `role` (unless checks are off).
    func path(_ role: PathRole) -> (Node, ConfigKeyPath) -> String? {
        { node, path in
            guard let written = self.text(node, path) else { return nil }
            guard let resolved = self.resolve(written, at: path, node: node) else { return nil }
            return self.check(resolved, role: role, at: path, mark: node.mark) ? resolved : nil
        }
    }

    /// `written` as an absolute, normalised path; nil after reporting when it cannot be one.
    func resolve(_ written: String, at path: ConfigKeyPath, node: Node) -> String? {
        if written.isEmpty {
            report("the path is empty", at: path, node: node)
            return nil
        }
        if written.contains("\0") {
            report("the path contains a zero byte", at: path, node: node)
            return nil
        }
        if written.hasPrefix("~") {
            report("'~' is not expanded in config paths; write the full path", at: path, node: node)
            return nil
        }
        let absolute = written.hasPrefix("/") ? written : baseDirectory + "/" + written
        return URL(fileURLWithPath: absolute).standardizedFileURL.path
    }

    /// Checks `resolved` for `role`; false after reporting a problem.
    func check(_ resolved: String, role: PathRole, at path: ConfigKeyPath, mark: Mark?) -> Bool {
        guard checkFileSystem else { return true }
        switch role {
        case .directoryToCreate:
            return checkCreatableDirectory(resolved, at: path, mark: mark)
        case .existingFile:
            switch isDirectory(resolved) {
            case nil:
                report("no such file: \(resolved)", at: path, mark: mark)
                return false
            case true?:
                report("\(resolved) is a directory; a file is expected here", at: path, mark: mark)
                return false
            case false?:
                return true
            }
        }
    }

    /// A directory that exists, or that `mkdir -p` could make: its nearest existing
    /// ancestor is a directory. A missing one is noted, so a typo in a path shows up
    /// as "will be created" in `narformer config check`.
    private func checkCreatableDirectory(_ directory: String, at path: ConfigKeyPath, mark: Mark?) -> Bool {
        switch isDirectory(directory) {
        case true?:
            return true
        case false?:
            report("\(directory) exists but is not a directory", at: path, mark: mark)
            return false
        case nil:
            var ancestor = (directory as NSString).deletingLastPathComponent
            while isDirectory(ancestor) == nil, ancestor != "/" {
                ancestor = (ancestor as NSString).deletingLastPathComponent
            }
            guard isDirectory(ancestor) == true else {
                report("\(directory) cannot be created: \(ancestor) is not a directory", at: path, mark: mark)
                return false
            }
            note("\(directory) does not exist yet; narformer will create it", at: path, mark: mark)
            return true
        }
    }

    /// nil when nothing is there; follows symbolic links, as opening the path would.
    private func isDirectory(_ path: String) -> Bool? {
        var directory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &directory) else { return nil }
        return directory.boolValue
    }
}
