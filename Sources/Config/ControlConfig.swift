import Yams

/// `control:` how commands such as `narformer retrain` reach the running daemon.
public struct ControlConfig: Sendable, Equatable, Encodable {
    /// Absolute path of the daemon's Unix control socket; its directory is created when missing.
    public var socket: String

    /// The socket's default place, inside the store's directory.
    public static func defaultSocket(storePath: String) -> String {
        storePath == "/" ? "/control.sock" : storePath + "/control.sock"
    }

    public init(socket: String) {
        self.socket = socket
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case socket
    }

    static func read(_ node: Node?, at path: ConfigKeyPath, parentMark: Mark?, reader: ConfigReader,
                     store: StoreConfig, storeMark: Mark?) -> ControlConfig {
        let fallback = defaultSocket(storePath: store.path)
        let fields = reader.mapping(node, at: path, parentMark: parentMark, keys: CodingKeys.allCases.map(\.rawValue))
        guard let fields else { return ControlConfig(socket: fallback) }
        if fields["socket"] != nil {
            return ControlConfig(socket: reader.read(fields, "socket", default: fallback, reader.path(.socket)))
        }
        // The default socket sits in the store's directory, which is checked already;
        // only its length can still be wrong.
        if fallback.utf8.count > ConfigReader.maximumSocketPathLength {
            reader.report("the default control socket \(fallback) is \(fallback.utf8.count) bytes long; Unix sockets "
                          + "allow at most \(ConfigReader.maximumSocketPathLength): set control.socket to a shorter path",
                          at: fields.path("socket"), mark: storeMark)
        }
        return ControlConfig(socket: fallback)
    }
}
