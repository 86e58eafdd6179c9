import Engine

/// The retrainer's one step for novelty: the kept candidate gets the summary of the
/// measured networks it was trained on (all of them after cross-validation, the training
/// side of the holdout otherwise), so its predictions carry their novelty once it serves.
enum CandidateNoveltySummary {
    static func attach(to candidate: TrainedModel, judging: CandidateJudgement.Plan) throws {
        let graphs: [TokenGraph] = switch judging {
        case .holdout(let training, _): training.map(\.graph)
        case .crossValidation(let samples, _): samples.map(\.graph)
        }
        try candidate.summarizeTrainingNetworks(graphs.filter { $0.tokenDim == candidate.model.config.inDim })
    }
}
