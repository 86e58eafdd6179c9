/// The headline numbers for one group of predictions.
///
/// Fractions, not percents (mape 0.1 = 10%). A value that is undefined (tau of a
/// constant group, anything of an empty group) is NaN in memory and `null` in JSON,
/// because JSON has no NaN.
public struct EvaluationMetrics: Sendable, Equatable, Codable {
    public var count: Int
    public var mape: Double
    public var acc1: Double
    public var acc5: Double
    public var acc10: Double
    public var kendallTau: Double
    public var spearman: Double

    public init(count: Int, mape: Double, acc1: Double, acc5: Double, acc10: Double, kendallTau: Double, spearman: Double) {
        self.count = count
        self.mape = mape
        self.acc1 = acc1
        self.acc5 = acc5
        self.acc10 = acc10
        self.kendallTau = kendallTau
        self.spearman = spearman
    }

    /// Computes every metric; `predicted` and `measured` have equal length.
    public init(predicted: [Double], measured: [Double]) {
        self.init(count: measured.count,
                  mape: Metrics.mape(predicted: predicted, measured: measured),
                  acc1: Metrics.accuracy(within: 0.01, predicted: predicted, measured: measured),
                  acc5: Metrics.accuracy(within: 0.05, predicted: predicted, measured: measured),
                  acc10: Metrics.accuracy(within: 0.10, predicted: predicted, measured: measured),
                  kendallTau: Metrics.kendallTau(predicted, measured),
                  spearman: Metrics.spearman(predicted, measured))
    }

    enum CodingKeys: String, CodingKey {
        case count, mape, acc1, acc5, acc10
        case kendallTau = "kendall_tau"
        case spearman
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func number(_ key: CodingKeys) throws -> Double { try c.decodeIfPresent(Double.self, forKey: key) ?? .nan }
        self.init(count: try c.decode(Int.self, forKey: .count), mape: try number(.mape), acc1: try number(.acc1),
                  acc5: try number(.acc5), acc10: try number(.acc10), kendallTau: try number(.kendallTau),
                  spearman: try number(.spearman))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func put(_ value: Double, _ key: CodingKeys) throws {
            if value.isFinite { try c.encode(value, forKey: key) } else { try c.encodeNil(forKey: key) }
        }
        try c.encode(count, forKey: .count)
        try put(mape, .mape)
        try put(acc1, .acc1)
        try put(acc5, .acc5)
        try put(acc10, .acc10)
        try put(kendallTau, .kendallTau)
        try put(spearman, .spearman)
    }

    /// NaN-aware equality for tests and round trips: two undefined values are equal.
    public static func == (l: Self, r: Self) -> Bool {
        func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }
        return l.count == r.count && same(l.mape, r.mape) && same(l.acc1, r.acc1) && same(l.acc5, r.acc5)
            && same(l.acc10, r.acc10) && same(l.kendallTau, r.kendallTau) && same(l.spearman, r.spearman)
    }
}
