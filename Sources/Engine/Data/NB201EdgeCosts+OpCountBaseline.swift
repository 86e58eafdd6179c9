extension NB201EdgeCosts {
    /// The op-count least squares (`NB201OpCountBaseline`: 30 one-hots and a bias) written
    /// as edge costs: the same additive model with each edge's cost taken relative to its
    /// `none`, so both predict the same latency for every cell above `floor` (and, as the
    /// floor bends values monotonically, rank every set of cells the same).
    public init(_ opCounts: NB201OpCountBaseline, floor: Double) throws {
        let perEdge = NB201EdgeOps.operations.count
        let oneHots = opCounts.fit.coefficients
        guard oneHots.count == NB201EdgeOps.edgeCount * perEdge else {
            throw Invalid(description: "an op-count fit needs \(NB201EdgeOps.edgeCount * perEdge) one-hot coefficients, got \(oneHots.count)")
        }
        var coefficients = [opCounts.fit.intercept]
        for edge in 0..<NB201EdgeOps.edgeCount {
            let none = oneHots[edge * perEdge]
            coefficients[0] += none
            for op in 1..<perEdge { coefficients.append(oneHots[edge * perEdge + op] - none) }
        }
        try self.init(coefficients: coefficients, floor: floor)
    }
}
