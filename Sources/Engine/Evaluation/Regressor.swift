/// Anything that predicts one number per network: the NAR-Former model, or a wrapper
/// around a baseline. The evaluation and checkpoint code depend only on this.
public protocol Regressor {
    func predict(_ graphs: [TokenGraph]) -> [Float]
}

public enum RegressorEvaluation {
    /// Predicts in chunks of `batchSize` (bounding the model's working memory) and scores
    /// against `measured`; `families` (one per sample) adds the per-family breakdown.
    public static func evaluate(_ regressor: some Regressor, graphs: [TokenGraph], measured: [Double],
                                families: [String]? = nil, batchSize: Int = 64) throws -> EvaluationReport {
        guard graphs.count == measured.count else {
            throw EvaluationError("\(graphs.count) networks for \(measured.count) measurements")
        }
        guard batchSize > 0 else { throw EvaluationError("the evaluation batch size must be positive, not \(batchSize)") }
        var predicted: [Float] = []
        predicted.reserveCapacity(graphs.count)
        for start in stride(from: 0, to: graphs.count, by: batchSize) {
            let chunk = Array(graphs[start..<min(start + batchSize, graphs.count)])
            let output = regressor.predict(chunk)
            guard output.count == chunk.count else {
                throw EvaluationError("the model returned \(output.count) predictions for \(chunk.count) networks")
            }
            predicted.append(contentsOf: output)
        }
        return try EvaluationReport.evaluate(predicted: predicted, measured: measured, families: families)
    }
}
