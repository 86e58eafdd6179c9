import Foundation

/// A NAS-Bench-201 cell's latency as a sum of per-edge operation costs: an intercept plus,
/// for each of the 6 edges, the cost of its operation relative to `none` (24 numbers).
///
/// Why this shape: on the 21 measured devices a cell's latency is almost exactly additive
/// over its six edge operations (the op-count least squares ranks held-back cells at mean
/// Spearman 0.98), so these 25 numbers are a device's whole latency profile up to noise.
/// They are what a new device's first measurements are matched against (`CellPriors`) and
/// the base a cell latency model's network multiplies (`TrainedModel.cellBase`).
///
/// `none` is the reference operation of every edge: with an intercept, one of each edge's
/// five one-hots is redundant, and dropping it keeps the fit and the covariance of devices
/// full rank.
public struct NB201EdgeCosts: Sendable, Equatable, Codable {
    /// Intercept + 6 edges x 4 operations.
    public static let featureCount = 1 + NB201EdgeOps.edgeCount * (NB201EdgeOps.operations.count - 1)

    /// `[intercept, edge 0 (skip, 1x1, 3x3, pool), edge 1 ..., ..., edge 5 ...]`, in the
    /// unit of the targets fitted (ms, or a device's relative cost).
    public var coefficients: [Double]
    /// Where `predict` stops being linear: an additive fit extrapolated to a cell of cheap
    /// operations can fall to or below zero, which no latency is. Below the floor the value
    /// falls hyperbolically towards 0 (`floor^2 / (2 floor - sum)`, which meets the line with
    /// its slope): positive, never rounding to 0 as an exponential would, and still in the
    /// order of the sums, so a ranking is not flattened into ties.
    public var floor: Double

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(coefficients: [Double], floor: Double) throws {
        guard coefficients.count == Self.featureCount else {
            throw Invalid(description: "NAS-Bench-201 edge costs need \(Self.featureCount) coefficients, got \(coefficients.count)")
        }
        guard coefficients.allSatisfy(\.isFinite), floor.isFinite, floor > 0 else {
            throw Invalid(description: "NAS-Bench-201 edge costs must be finite numbers with a positive floor")
        }
        self.coefficients = coefficients
        self.floor = floor
    }

    /// The 25 features of a cell: 1, then per edge a one-hot of its operation without `none`.
    public static func features(_ ops: [Int]) -> [Double] {
        var row = [Double](repeating: 0, count: featureCount)
        row[0] = 1
        let perEdge = NB201EdgeOps.operations.count - 1
        for (edge, op) in ops.enumerated() where op > 0 { row[1 + edge * perEdge + op - 1] = 1 }
        return row
    }

    public func predict(_ ops: [Int]) -> Double {
        let perEdge = NB201EdgeOps.operations.count - 1
        var value = coefficients[0]
        for (edge, op) in ops.enumerated() where op > 0 { value += coefficients[1 + edge * perEdge + op - 1] }
        return value >= floor ? value : floor * floor / (2 * floor - value)
    }

    /// Least squares on `targets`; the floor is half the smallest positive target.
    public static func fit(ops: [[Int]], targets: [Double]) throws -> NB201EdgeCosts {
        let fit = try LeastSquaresFit.fit(rows: ops.map { Array(features($0).dropFirst()) }, targets: targets)
        let smallest = targets.filter { $0 > 0 }.min() ?? 1
        return try NB201EdgeCosts(coefficients: [fit.intercept] + fit.coefficients, floor: smallest / 2)
    }

    /// The same costs times `factor` (a device's level).
    public func scaled(by factor: Double) throws -> NB201EdgeCosts {
        try NB201EdgeCosts(coefficients: coefficients.map { $0 * factor }, floor: floor * factor)
    }
}
