/// Why a network could not be imported. Every case names the file (or drop name) and,
/// where one is at fault, the node and its op, in plain words.
public struct ImportError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        case unreadable, malformed, unsupported, shape, structure, tooLarge, schema
    }
    public var kind: Kind
    public var file: String
    public var node: String?
    public var op: String?
    public var message: String

    public init(_ kind: Kind, file: String, node: String? = nil, op: String? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.node = node
        self.op = op
        self.message = message
    }

    public var description: String {
        var where_ = file
        if let node { where_ += ", node '\(node)'" }
        if let op { where_ += " (\(op))" }
        return "\(where_): \(message)"
    }
}
