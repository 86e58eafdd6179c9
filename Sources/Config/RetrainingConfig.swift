import Yams

/// Which weights a retraining run starts from.
public enum InitialWeights: String, Sendable, Equatable, CaseIterable, Encodable {
    /// The platform's active model (the shipped default model when it has none yet): each
    /// version is fine-tuned from the one before.
    case activeModel = "active"
    /// The platform's default model, always, fine-tuned on every measurement (on a new
    /// machine: better than a chain of fine-tunes after 20-30 networks, worse after 100).
    case defaultModel = "default"
    /// Fresh random weights.
    case scratch
}

/// `retraining:` when and how each platform's model is retrained from measurements.
public struct RetrainingConfig: Sendable, Equatable, Encodable {
    public var enabled: Bool
    /// How often to look for enough new measurements.
    public var interval: Duration
    /// New measurements of a platform needed before it is retrained.
    public var minNewMeasurements: Int
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    /// Share of measurements held out for evaluation, strictly between 0 and 1.
    public var holdoutShare: Double
    /// The YAML key is `init`.
    public var initialWeights: InitialWeights
    public var promotion: PromotionRule
    /// Recompute the platform's stored predictions after a promotion.
    public var recomputePredictions: Bool
    /// Scheduling priority of the training work (`nice`), 0 to 19.
    public var nice: Int
    /// A candidate that passes the promotion rule but whose latency scale is more than this
    /// factor above or below the serving model's is held for a person instead of promoted:
    /// a jump that large is more often a unit mix-up (microseconds recorded as ms) than a
    /// new machine, and an automatic promotion would mis-predict every network at once.
    public var holdScaleFactor: Double
    /// Rejected versions per platform whose weights files are kept (the newest ones); older
    /// rejected versions keep their record and lose their file, so a daemon left running for
    /// months does not fill its disk with candidates nobody serves. 0: none kept.
    public var keepRejected: Int

    public static let defaultEnabled = true
    public static let defaultInterval = Duration.seconds(6 * 3600)
    public static let defaultMinNewMeasurements = 50
    public static let defaultEpochs = 30
    public static let defaultBatchSize = 16
    public static let defaultLearningRate = 1e-3
    public static let defaultHoldoutShare = 0.2
    public static let defaultInitialWeights = InitialWeights.activeModel
    public static let defaultRecomputePredictions = false
    public static let defaultNice = 10
    public static let defaultHoldScaleFactor = 10.0
    public static let defaultKeepRejected = 20

    public init(enabled: Bool = defaultEnabled, interval: Duration = defaultInterval,
                minNewMeasurements: Int = defaultMinNewMeasurements, epochs: Int = defaultEpochs,
                batchSize: Int = defaultBatchSize, learningRate: Double = defaultLearningRate,
                holdoutShare: Double = defaultHoldoutShare, initialWeights: InitialWeights = defaultInitialWeights,
                promotion: PromotionRule = PromotionRule(), recomputePredictions: Bool = defaultRecomputePredictions,
                nice: Int = defaultNice, holdScaleFactor: Double = defaultHoldScaleFactor,
                keepRejected: Int = defaultKeepRejected) {
        self.enabled = enabled
        self.interval = interval
        self.minNewMeasurements = minNewMeasurements
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.holdoutShare = holdoutShare
        self.initialWeights = initialWeights
        self.promotion = promotion
        self.recomputePredictions = recomputePredictions
        self.nice = nice
        self.holdScaleFactor = holdScaleFactor
        self.keepRejected = keepRejected
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, interval, minNewMeasurements = "min_new_measurements", epochs, batchSize = "batch_size"
        case learningRate = "learning_rate", holdoutShare = "holdout_share", initialWeights = "init", promotion
        case recomputePredictions = "recompute_predictions", nice, holdScaleFactor = "hold_scale_factor"
        case keepRejected = "keep_rejected"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(enabled, forKey: .enabled)
        try container.encode(DurationFormat.format(interval), forKey: .interval)
        try container.encode(minNewMeasurements, forKey: .minNewMeasurements)
        try container.encode(epochs, forKey: .epochs)
        try container.encode(batchSize, forKey: .batchSize)
        try container.encode(learningRate, forKey: .learningRate)
        try container.encode(holdoutShare, forKey: .holdoutShare)
        try container.encode(initialWeights, forKey: .initialWeights)
        try container.encode(promotion, forKey: .promotion)
        try container.encode(recomputePredictions, forKey: .recomputePredictions)
        try container.encode(nice, forKey: .nice)
        try container.encode(holdScaleFactor, forKey: .holdScaleFactor)
        try container.encode(keepRejected, forKey: .keepRejected)
    }

    static func read(_ node: Node?, at path: ConfigKeyPath, parentMark: Mark?, reader: ConfigReader) -> RetrainingConfig {
        let fields = reader.mapping(node, at: path, parentMark: parentMark, keys: CodingKeys.allCases.map(\.rawValue))
        guard let fields else { return RetrainingConfig() }
        return RetrainingConfig(
            enabled: reader.read(fields, "enabled", default: defaultEnabled, reader.boolean),
            interval: reader.read(fields, "interval", default: defaultInterval, reader.duration(atLeast: .seconds(1))),
            minNewMeasurements: reader.read(fields, "min_new_measurements", default: defaultMinNewMeasurements,
                                            reader.integer(in: 1...Int.max)),
            epochs: reader.read(fields, "epochs", default: defaultEpochs, reader.integer(in: 1...100_000)),
            batchSize: reader.read(fields, "batch_size", default: defaultBatchSize, reader.integer(in: 1...4096)),
            learningRate: reader.read(fields, "learning_rate", default: defaultLearningRate, reader.number {
                $0.isFinite && $0 > 0 && $0 <= 1 ? nil : "it must be more than 0 and at most 1"
            }),
            holdoutShare: reader.read(fields, "holdout_share", default: defaultHoldoutShare, reader.number {
                $0 > 0 && $0 < 1 ? nil : "it must be more than 0 and less than 1"
            }),
            initialWeights: reader.read(fields, "init", default: defaultInitialWeights, reader.choice(InitialWeights.self)),
            promotion: PromotionRule.read(fields["promotion"], at: fields.path("promotion"), parentMark: fields.mark,
                                          reader: reader),
            recomputePredictions: reader.read(fields, "recompute_predictions", default: defaultRecomputePredictions,
                                              reader.boolean),
            nice: reader.read(fields, "nice", default: defaultNice, reader.integer(in: 0...19)),
            holdScaleFactor: reader.read(fields, "hold_scale_factor", default: defaultHoldScaleFactor, reader.number {
                $0.isFinite && $0 > 1 ? nil : "it must be a number more than 1"
            }),
            keepRejected: reader.read(fields, "keep_rejected", default: defaultKeepRejected, reader.integer(in: 0...1_000_000))
        )
    }
}
