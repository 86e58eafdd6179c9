/// The paper's "FLOPs+MAC" baseline: latency ~ a * FLOPs + b * memory access + c,
/// least squares on the training split.
public struct FlopsMacBaseline: Sendable, Equatable {
    public var fit: LeastSquaresFit

    public static func features(_ costs: NetworkCostSummary) -> [Double] {
        [costs.flops, costs.memoryAccess]
    }

    public init(training costs: [NetworkCostSummary], latencies: [Double]) throws {
        fit = try LeastSquaresFit.fit(rows: costs.map(Self.features), targets: latencies)
    }

    public func predict(_ costs: NetworkCostSummary) -> Double { fit.predict(Self.features(costs)) }

    public func predict(_ costs: [NetworkCostSummary]) -> [Double] { costs.map(predict) }
}
