import Yams

/// The whole daemon configuration, as read from one YAML file, with every optional value
/// filled in by its default and every path made absolute.
///
/// Load it with `NarformerConfig.load(contentsOf:)`; a config that loads has passed all
/// checks, so its users need not check values again.
public struct NarformerConfig: Sendable, Equatable, Encodable {
    public var store: StoreConfig
    public var engine: EngineConfig
    public var models: ModelsConfig
    public var platforms: [PlatformConfig]
    public var inboxes: [InboxConfig]
    public var retraining: RetrainingConfig
    public var logging: LoggingConfig
    public var limits: LimitsConfig

    public init(store: StoreConfig, engine: EngineConfig = EngineConfig(), models: ModelsConfig,
                platforms: [PlatformConfig], inboxes: [InboxConfig] = [],
                retraining: RetrainingConfig = RetrainingConfig(), logging: LoggingConfig = LoggingConfig(),
                limits: LimitsConfig = LimitsConfig()) {
        self.store = store
        self.engine = engine
        self.models = models
        self.platforms = platforms
        self.inboxes = inboxes
        self.retraining = retraining
        self.logging = logging
        self.limits = limits
    }

    public func platform(named name: String) -> PlatformConfig? {
        platforms.first { $0.name == name }
    }

    public func inbox(named name: String) -> InboxConfig? {
        inboxes.first { $0.name == name }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case store, engine, models, platforms, inboxes, retraining, logging, limits
    }

    /// Reads every section of the document's root mapping. Sections are read in an order
    /// that lets later ones refer to earlier ones (inboxes name platforms), whatever
    /// order the file lists them in.
    static func read(_ root: Node, reader: ConfigReader) -> NarformerConfig? {
        guard case .mapping = root else {
            reader.report("the file must be a mapping of sections (store:, models:, platforms:, ...), found "
                          + ConfigReader.describe(root), at: .root, node: root)
            return nil
        }
        guard let fields = reader.mapping(root, at: .root, parentMark: root.mark,
                                          keys: CodingKeys.allCases.map(\.rawValue),
                                          required: ["store", "models"]) else { return nil }
        let store = StoreConfig.read(fields["store"], at: fields.path("store"), parentMark: fields.mark, reader: reader)
        let engine = EngineConfig.read(fields["engine"], at: fields.path("engine"), parentMark: fields.mark, reader: reader)
        let models = ModelsConfig.read(fields["models"], at: fields.path("models"), parentMark: fields.mark, reader: reader)
        let issuesBeforePlatforms = reader.issues.count
        let platforms = PlatformConfig.readList(fields["platforms"], at: fields.path("platforms"),
                                                parentMark: fields.mark, reader: reader)
        let platformsAreSound = reader.issues.count == issuesBeforePlatforms
        let inboxes = InboxConfig.readList(fields["inboxes"], at: fields.path("inboxes"), reader: reader,
                                           platforms: platformsAreSound ? Set(platforms.map(\.name)) : nil)
        let retraining = RetrainingConfig.read(fields["retraining"], at: fields.path("retraining"),
                                               parentMark: fields.mark, reader: reader)
        let logging = LoggingConfig.read(fields["logging"], at: fields.path("logging"), parentMark: fields.mark, reader: reader)
        let limits = LimitsConfig.read(fields["limits"], at: fields.path("limits"), parentMark: fields.mark, reader: reader)
        return NarformerConfig(store: store, engine: engine, models: models, platforms: platforms, inboxes: inboxes,
                               retraining: retraining, logging: logging, limits: limits)
    }
}
