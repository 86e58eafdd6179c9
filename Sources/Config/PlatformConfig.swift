import Yams

/// One entry of `platforms:`: a kind of hardware and runtime that latencies are
/// predicted and measured for. Each platform has its own line of model versions.
public struct PlatformConfig: Sendable, Equatable, Encodable {
    /// Lowercase letters, digits, '.', '_' and '-' (it appears in store keys and logs).
    public var name: String
    public var description: String?

    public init(name: String, description: String? = nil) {
        self.name = name
        self.description = description
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description
    }

    /// Reads the whole list, reporting names used twice.
    static func readList(_ node: Node?, at path: ConfigKeyPath, parentMark: Mark?, reader: ConfigReader) -> [PlatformConfig] {
        guard let node else {
            reader.report("missing required key 'platforms' (a list with at least one platform)", at: path, mark: parentMark)
            return []
        }
        guard let items = reader.list(node, at: path, of: "platforms (each with a name)") else { return [] }
        if items.isEmpty {
            reader.report("the list is empty; at least one platform is needed", at: path, node: node)
        }
        var platforms: [PlatformConfig] = []
        var firstUse: [String: ConfigKeyPath] = [:]
        for item in items {
            guard let fields = reader.mapping(item.node, at: item.path, parentMark: item.node.mark,
                                              keys: CodingKeys.allCases.map(\.rawValue), required: ["name"]),
                  let nameNode = fields["name"],
                  let name = reader.name(nameNode, fields.path("name")) else { continue }
            if let earlier = firstUse[name] {
                reader.report("platform '\(name)' is already defined at \(earlier)", at: fields.path("name"), node: nameNode)
                continue
            }
            firstUse[name] = item.path
            platforms.append(PlatformConfig(name: name, description: reader.readOptional(fields, "description", reader.text)))
        }
        return platforms
    }
}
