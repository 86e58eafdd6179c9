import Yams

/// The metric a retrained candidate model is judged by against the active model, on the
/// same holdout measurements.
public enum PromotionMetric: String, Sendable, Equatable, CaseIterable, Encodable {
    /// Mean absolute percentage error, in percent; lower is better.
    case mape
    /// Share of predictions within 10% of the measurement, in percent; higher is better.
    case acc10
    /// Spearman's rank correlation, -1 to 1; higher is better.
    case spearman

    public var higherIsBetter: Bool {
        self != .mape
    }
}

/// `retraining.promotion:` when a candidate replaces the active model.
public struct PromotionRule: Sendable, Equatable, Encodable {
    public var metric: PromotionMetric
    /// How much the candidate must beat the active model by, in the metric's own units
    /// (percentage points for mape and acc10, rho for spearman). 0 means any strict
    /// improvement.
    public var minImprovement: Double
    /// Held-out networks a candidate must be judged on. With fewer, the retrain is skipped
    /// (and retried once more measurements arrive): a metric over two or three networks
    /// promotes noise.
    public var minHoldout: Int
    /// Held-out networks from which the fixed hash holdout judges the candidates; while it
    /// holds fewer, they are judged by cross-validation over every measured network (never
    /// fewer than `minHoldout`). nil: `minHoldout`.
    public var crossValidateBelow: Int?

    /// The number of fixed-holdout networks from which the holdout judges.
    public var fixedHoldoutFrom: Int { max(minHoldout, crossValidateBelow ?? minHoldout) }

    public static let defaultMetric = PromotionMetric.mape
    public static let defaultMinImprovement = 0.0
    public static let defaultMinHoldout = 5

    public init(metric: PromotionMetric = defaultMetric, minImprovement: Double = defaultMinImprovement,
                minHoldout: Int = defaultMinHoldout, crossValidateBelow: Int? = nil) {
        self.metric = metric
        self.minImprovement = minImprovement
        self.minHoldout = minHoldout
        self.crossValidateBelow = crossValidateBelow
    }

    /// Whether a candidate scoring `candidate` should replace an active model scoring `active`.
    public func promotes(candidate: Double, over active: Double) -> Bool {
        let gain = metric.higherIsBetter ? candidate - active : active - candidate
        return gain > 0 && gain >= minImprovement
    }

    /// Rules that judge alike are equal: an unset `crossValidateBelow` is `minHoldout`.
    public static func == (a: PromotionRule, b: PromotionRule) -> Bool {
        a.metric == b.metric && a.minImprovement == b.minImprovement && a.minHoldout == b.minHoldout
            && a.fixedHoldoutFrom == b.fixedHoldoutFrom
    }

    /// `config show` fills in every default: `cross_validate_below` as it applies.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(metric, forKey: .metric)
        try container.encode(minImprovement, forKey: .minImprovement)
        try container.encode(minHoldout, forKey: .minHoldout)
        try container.encode(fixedHoldoutFrom, forKey: .crossValidateBelow)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case metric, minImprovement = "min_improvement", minHoldout = "min_holdout"
        case crossValidateBelow = "cross_validate_below"
    }

    static func read(_ node: Node?, at path: ConfigKeyPath, parentMark: Mark?, reader: ConfigReader) -> PromotionRule {
        let fields = reader.mapping(node, at: path, parentMark: parentMark, keys: CodingKeys.allCases.map(\.rawValue))
        guard let fields else { return PromotionRule() }
        return PromotionRule(
            metric: reader.read(fields, "metric", default: defaultMetric, reader.choice(PromotionMetric.self)),
            minImprovement: reader.read(fields, "min_improvement", default: defaultMinImprovement, reader.number {
                $0.isFinite && $0 >= 0 ? nil : "it must be 0 or more"
            }),
            minHoldout: reader.read(fields, "min_holdout", default: defaultMinHoldout, reader.integer(in: 1...1_000_000)),
            crossValidateBelow: reader.readOptional(fields, "cross_validate_below", reader.integer(in: 1...1_000_000))
        )
    }
}
