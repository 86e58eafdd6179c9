import Yams

/// One entry of `inboxes:`: a folder the daemon watches. Files dropped into it are
/// predicted for its platform at each of its batch sizes.
public struct InboxConfig: Sendable, Equatable, Encodable {
    /// Lowercase letters, digits, '.', '_' and '-'; unique among inboxes.
    public var name: String
    /// Absolute path of the watched folder; unique, and never inside another inbox. The
    /// daemon creates it (and its parents) when missing.
    public var path: String
    /// The name of one of the config's platforms.
    public var platform: String
    /// Batch sizes to predict latency at; distinct, each at least 1.
    public var batchSizes: [Int]
    /// What may be dropped here, without repeats.
    public var accept: [DropKind]
    /// How long a measurement waits for the network it names before it fails.
    public var measurementTimeout: Duration
    /// Whether to also predict accuracy for NAS-Bench-201 cells dropped here.
    public var cellAccuracy: Bool
    /// Platforms besides its own whose measurements this inbox takes (`measurement_platforms`).
    /// An inbox is shared by one lab's members: by default its measurement files may speak
    /// only of its own platform, so one careless file cannot retrain another lab's model.
    public var measurementPlatforms: [String] = []

    /// Every platform a measurement dropped here may name.
    public var acceptedMeasurementPlatforms: Set<String> { Set([platform] + measurementPlatforms) }
    /// How new files are noticed: inotify events, or polling (network file systems).
    public var watch: InboxWatchMode
    /// How often the whole inbox is scanned besides inotify's events (a safety net for
    /// anything inotify did not report).
    public var rescanInterval: Duration
    /// With `watch: poll`, how often the inbox is scanned.
    public var pollInterval: Duration

    public static let defaultBatchSizes = [1]
    public static let defaultAccept = DropKind.allCases
    public static let defaultMeasurementTimeout = Duration.seconds(24 * 3600)
    public static let defaultCellAccuracy = true
    public static let defaultWatch = InboxWatchMode.inotify
    public static let defaultRescanInterval = Duration.seconds(300)
    public static let defaultPollInterval = Duration.seconds(2)
    public static let minimumPollInterval = Duration.milliseconds(100)

    public init(name: String, path: String, platform: String, batchSizes: [Int] = defaultBatchSizes,
                accept: [DropKind] = defaultAccept, measurementTimeout: Duration = defaultMeasurementTimeout,
                cellAccuracy: Bool = defaultCellAccuracy, watch: InboxWatchMode = defaultWatch,
                rescanInterval: Duration = defaultRescanInterval, pollInterval: Duration = defaultPollInterval) {
        self.name = name
        self.path = path
        self.platform = platform
        self.batchSizes = batchSizes
        self.accept = accept
        self.measurementTimeout = measurementTimeout
        self.cellAccuracy = cellAccuracy
        self.watch = watch
        self.rescanInterval = rescanInterval
        self.pollInterval = pollInterval
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, path, platform, batchSizes = "batch_sizes", accept
        case measurementTimeout = "measurement_timeout", cellAccuracy = "cell_accuracy"
        case watch, rescanInterval = "rescan_interval", pollInterval = "poll_interval"
        case measurementPlatforms = "measurement_platforms"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(path, forKey: .path)
        try container.encode(platform, forKey: .platform)
        try container.encode(batchSizes, forKey: .batchSizes)
        try container.encode(accept, forKey: .accept)
        try container.encode(DurationFormat.format(measurementTimeout), forKey: .measurementTimeout)
        try container.encode(cellAccuracy, forKey: .cellAccuracy)
        try container.encode(watch, forKey: .watch)
        try container.encode(DurationFormat.format(rescanInterval), forKey: .rescanInterval)
        if watch == .poll { try container.encode(DurationFormat.format(pollInterval), forKey: .pollInterval) }
        if !measurementPlatforms.isEmpty { try container.encode(measurementPlatforms, forKey: .measurementPlatforms) }
    }

    /// Reads the whole list, reporting names and paths used twice, inboxes inside other
    /// inboxes, and platforms that are not defined. `platforms` is nil when the platform
    /// list itself was wrong, so references to it are not checked (and not reported twice).
    static func readList(_ node: Node?, at path: ConfigKeyPath, reader: ConfigReader,
                         platforms: Set<String>?) -> [InboxConfig] {
        guard let node else { return [] }
        guard let items = reader.list(node, at: path, of: "inboxes (each with a name, path and platform)") else { return [] }
        var inboxes: [InboxConfig] = []
        var nameUse: [String: ConfigKeyPath] = [:]
        var pathUse: [(path: String, keyPath: ConfigKeyPath)] = []
        for item in items {
            guard let fields = reader.mapping(item.node, at: item.path, parentMark: item.node.mark,
                                              keys: CodingKeys.allCases.map(\.rawValue),
                                              required: ["name", "path", "platform"]) else { continue }
            let name = reader.readOptional(fields, "name", reader.name)
            let folder = reader.readOptional(fields, "path", reader.path(.directoryToCreate))
            let platform = reader.readOptional(fields, "platform", reader.name)
            let watch = reader.readOptional(fields, "watch", reader.choice(InboxWatchMode.self))
            var inbox = InboxConfig(
                name: name ?? "",
                path: folder ?? "",
                platform: platform ?? "",
                batchSizes: reader.read(fields, "batch_sizes", default: defaultBatchSizes) { node, path in
                    readBatchSizes(node, at: path, reader: reader)
                },
                accept: reader.read(fields, "accept", default: defaultAccept) { node, path in
                    readAccept(node, at: path, reader: reader)
                },
                measurementTimeout: reader.read(fields, "measurement_timeout", default: defaultMeasurementTimeout,
                                                reader.duration(atLeast: .seconds(1))),
                cellAccuracy: reader.read(fields, "cell_accuracy", default: defaultCellAccuracy, reader.boolean),
                watch: watch ?? defaultWatch,
                rescanInterval: reader.read(fields, "rescan_interval", default: defaultRescanInterval,
                                            reader.duration(atLeast: .seconds(1))),
                pollInterval: reader.read(fields, "poll_interval", default: defaultPollInterval,
                                          reader.duration(atLeast: minimumPollInterval))
            )
            if let listNode = fields["measurement_platforms"],
               let items = reader.list(listNode, at: fields.path("measurement_platforms"), of: "platform names") {
                for item in items {
                    guard let name = reader.name(item.node, item.path) else { continue }
                    if let platforms, !platforms.contains(name) {
                        reader.report("platform '\(name)' is not defined under platforms:", at: item.path, node: item.node)
                        continue
                    }
                    if !inbox.measurementPlatforms.contains(name) && name != platform { inbox.measurementPlatforms.append(name) }
                }
            }
            // An invalid `watch:` is reported already; poll_interval is judged only against a valid one.
            if watch != .poll, fields["watch"] == nil || watch != nil, let pollNode = fields["poll_interval"] {
                reader.report("poll_interval applies only to an inbox with watch: poll; remove it, or add watch: poll "
                              + "for a folder on a network file system", at: fields.path("poll_interval"), node: pollNode)
            }
            if let name, let nameNode = fields["name"] {
                if let earlier = nameUse[name] {
                    reader.report("inbox name '\(name)' is already used by \(earlier)", at: fields.path("name"), node: nameNode)
                } else {
                    nameUse[name] = item.path
                }
            }
            if let folder, let pathNode = fields["path"] {
                if let earlier = pathUse.first(where: { $0.path == folder }) {
                    reader.report("\(folder) is already the path of \(earlier.keyPath)", at: fields.path("path"), node: pathNode)
                } else if let outer = pathUse.first(where: { isInside(folder, $0.path) || isInside($0.path, folder) }) {
                    reader.report("\(folder) and the path of \(outer.keyPath) lie one inside the other; "
                                  + "inbox folders must be separate", at: fields.path("path"), node: pathNode)
                } else {
                    pathUse.append((folder, item.path))
                }
            }
            if let platform, let platforms, let platformNode = fields["platform"], !platforms.contains(platform) {
                var message = "platform '\(platform)' is not defined under platforms:"
                if let suggestion = Suggestion.closest(to: platform, among: platforms.sorted()) {
                    message += "; did you mean '\(suggestion)'?"
                } else if !platforms.isEmpty {
                    message += " (defined: \(platforms.sorted().joined(separator: ", ")))"
                }
                reader.report(message, at: fields.path("platform"), node: platformNode)
            }
            inboxes.append(inbox)
        }
        return inboxes
    }

    private static func readBatchSizes(_ node: Node, at path: ConfigKeyPath, reader: ConfigReader) -> [Int]? {
        guard let items = reader.list(node, at: path, of: "integers") else { return nil }
        guard !items.isEmpty else {
            reader.report("the list is empty; give at least one batch size, such as [1]", at: path, node: node)
            return nil
        }
        var sizes: [Int] = []
        for item in items {
            guard let size = reader.integer(in: 1...65_536)(item.node, item.path) else { continue }
            if sizes.contains(size) {
                reader.report("batch size \(size) is listed twice", at: item.path, node: item.node)
                continue
            }
            sizes.append(size)
        }
        return sizes.count == items.count ? sizes : nil
    }

    private static func readAccept(_ node: Node, at path: ConfigKeyPath, reader: ConfigReader) -> [DropKind]? {
        guard let items = reader.list(node, at: path, of: "words (\(DropKind.allCases.map(\.rawValue).joined(separator: ", ")))") else {
            return nil
        }
        guard !items.isEmpty else {
            reader.report("the list is empty; an inbox must accept something", at: path, node: node)
            return nil
        }
        var kinds: [DropKind] = []
        for item in items {
            guard let kind = reader.choice(DropKind.self)(item.node, item.path) else { continue }
            if kinds.contains(kind) {
                reader.report("'\(kind.rawValue)' is listed twice", at: item.path, node: item.node)
                continue
            }
            kinds.append(kind)
        }
        return kinds.count == items.count ? kinds : nil
    }

    private static func isInside(_ path: String, _ directory: String) -> Bool {
        path.hasPrefix(directory == "/" ? "/" : directory + "/")
    }
}
