/// The linear baseline for NAS-Bench-201 cells: one-hot operation per edge (6 x 5 = 30
/// features) plus a bias, least squares on the training cells.
public struct NB201OpCountBaseline: Sendable, Equatable {
    public var fit: LeastSquaresFit

    public init(training cells: [NB201EdgeOps], targets: [Double]) throws {
        fit = try LeastSquaresFit.fit(rows: cells.map(\.oneHotFeatures), targets: targets)
    }

    public func predict(_ cell: NB201EdgeOps) -> Double { fit.predict(cell.oneHotFeatures) }

    public func predict(_ cells: [NB201EdgeOps]) -> [Double] { cells.map(predict) }
}
