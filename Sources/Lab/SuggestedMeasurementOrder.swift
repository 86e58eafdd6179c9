import Engine
import Foundation
import Learning

/// The order `narformer suggest` would give a lab, replayed in a learning curve: before
/// each drop, the platform's active model predicts every network not measured yet (as the
/// daemon does for every drop, and again after a promotion with
/// `retraining.recompute_predictions`), and `SuggestionPlanner` picks the drop from those
/// predictions, their novelty and the sizes measured so far.
///
/// With `opMix`, each network's share of nodes per op type joins its sizes in the
/// coverage (an experiment: the store keeps no op mix per network, so `narformer suggest`
/// covers sizes only).
package struct SuggestedMeasurementOrder {
    package let dataset: TrainingDataset
    package let opMix: Bool

    package init(dataset: TrainingDataset, opMix: Bool = false) {
        self.dataset = dataset
        self.opMix = opMix
    }

    /// The next `count` positions of `remaining` to measure, after `measured`, with the
    /// model at `activeModel` serving.
    package func next(remaining: [Int], measured: [Int], activeModel: URL, count: Int) throws -> [Int] {
        guard !remaining.isEmpty else { return [] }
        let model = try TrainedModel.load(from: activeModel)
        let (values, novelty) = try model.predictWithNovelty(remaining.map { dataset.samples[$0].graph })
        func size(_ index: Int) -> [Double] {
            let costs = dataset.samples[index].costs
            let sizes = SuggestionPlanner.size(flops: costs?.flops, params: costs?.params, memoryAccess: costs?.memoryAccess)
            guard opMix, let tokens = ModelTokens(readBy: dataset.samples[index].graph) else { return sizes }
            // The op shares only: the vector's last two entries are sizes again.
            return sizes + NetworkTraits.opMixVector(dataset.samples[index].graph, tokens: tokens).dropLast(2).map(Double.init)
        }
        let candidates = remaining.enumerated().map { position, index in
            SuggestionPlanner.Candidate(graphHash: String(index), batchSize: 1, predictedMs: values[position],
                                        novelty: novelty?[position].score, noveltyReason: novelty?[position].reason,
                                        modelVersion: 0, size: size(index))
        }
        let picks = SuggestionPlanner(candidates: candidates, measuredSizes: measured.map(size)).plan(count: count)
        return picks.compactMap { Int($0.candidate.graphHash) }
    }
}
