import Yams

/// The values of one YAML mapping, looked up by key, once the reader has reported its
/// unknown and missing keys.
struct MappingFields {
    let path: ConfigKeyPath
    /// Where the mapping starts, or where it would have been (its parent) when absent.
    let mark: Mark?
    private let values: [String: Node]

    init(path: ConfigKeyPath, mark: Mark?, values: [String: Node]) {
        self.path = path
        self.mark = mark
        self.values = values
    }

    /// The value of `key`; nil when the key is absent or has no value (`key:` or `key: ~`),
    /// which both mean "use the default".
    subscript(key: String) -> Node? {
        guard let node = values[key] else { return nil }
        if case .scalar(let scalar) = node, node.tagName == .null, scalar.style == .plain || scalar.style == .any {
            return nil
        }
        return node
    }

    func path(_ key: String) -> ConfigKeyPath {
        path.appending(key)
    }
}
