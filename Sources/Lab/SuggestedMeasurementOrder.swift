import Engine
import Foundation
import Learning

/// The order `narformer suggest` would give a lab, replayed in a learning curve: before
/// each drop, the platform's active model predicts every network not measured yet (as the
/// daemon does for every drop, and again after a promotion with
/// `retraining.recompute_predictions`), and `SuggestionPlanner` picks the drop from those
/// predictions, their novelty and the networks measured so far (with `method`: what
/// `narformer suggest` does, unless a comparison asks for the lab's rate design).
package struct SuggestedMeasurementOrder {
    package let dataset: TrainingDataset
    package let method: SuggestionMethod

    package init(dataset: TrainingDataset, method: SuggestionMethod = .product) {
        self.dataset = dataset
        self.method = method
    }

    /// The next `count` positions of `remaining` to measure, after `measured`, with the
    /// model at `activeModel` serving.
    package func next(remaining: [Int], measured: [Int], activeModel: URL, count: Int) throws -> [Int] {
        guard !remaining.isEmpty else { return [] }
        let model = try TrainedModel.load(from: activeModel)
        let (values, novelty) = try model.predictWithNovelty(remaining.map { dataset.samples[$0].graph })
        // What the daemon stores with each prediction: sizes from the costs, op shares (and,
        // for the rate design, cost mixes) from the tokens.
        func size(_ index: Int) -> [Double] {
            let costs = dataset.samples[index].costs
            return SuggestionPlanner.size(flops: costs?.flops, params: costs?.params, memoryAccess: costs?.memoryAccess)
        }
        func opShares(_ index: Int) -> [String: Double] {
            let graph = dataset.samples[index].graph
            return ModelTokens(readBy: graph).map { NetworkTraits.opShares(graph, tokens: $0) } ?? [:]
        }
        func costMix(_ index: Int) -> NetworkCostMix? {
            let graph = dataset.samples[index].graph
            return ModelTokens(readBy: graph).flatMap { NetworkCostMix(graph, tokens: $0) }
        }
        let candidates = remaining.enumerated().map { position, index in
            SuggestionPlanner.Candidate(graphHash: String(index), batchSize: 1, predictedMs: values[position],
                                        novelty: novelty?[position].score, noveltyReason: novelty?[position].reason,
                                        modelVersion: 0, size: size(index), opShares: opShares(index))
        }
        let measuredNetworks = measured.map { SuggestionPlanner.Measured(size: size($0), opShares: opShares($0)) }
        let picks: [SuggestionPlanner.Pick]
        switch method {
        case .coverage:
            picks = SuggestionPlanner(candidates: candidates, measured: measuredNetworks).plan(count: count)
        case .rateDesign, .rateDesignByNovelty:
            picks = RateDesignPlanner(candidates: candidates, costMixes: remaining.map(costMix), measured: measuredNetworks,
                                      measuredMixes: measured.compactMap(costMix), byNovelty: method == .rateDesignByNovelty)
                .plan(count: count)
        }
        return picks.compactMap { Int($0.candidate.graphHash) }
    }
}
