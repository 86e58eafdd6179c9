import Engine
import Foundation

/// Fits a `RateCorrection` of a node-cost checkpoint to measured networks and writes it into
/// the checkpoint's own weights, so the corrected model is an ordinary model of the same
/// shape (served, saved and fine-tuned like any other).
///
/// Why that is exact: the readout's log-rates are `W h + U x + b` with `x` the node's token,
/// and a node's groups are token columns that hold exactly 1 for it and 0 otherwise (its op
/// one-hot slot, the depthwise flag). Adding a group's shift to `U[term, column]` multiplies
/// that term of exactly that group's nodes by `exp(shift)`; the per-term shifts go into the
/// bias `b`, the common scale into the target scale.
package enum NodeCostRateFit {
    /// The token columns that are node groups for tokens `tokenDim` wide: the depthwise flag
    /// and the op one-hot slots of the `costs` and `costs2` encodings; empty for others.
    package static func groupColumns(tokenDim: Int) -> [Int] {
        let first = CostTokenizer.costColumns
        let slots: Int
        switch tokenDim {
        // Both encodings end in the same attribute and shape columns after their op slots.
        case CostTokenizer.tokenDim:
            slots = Costs2Tokenizer.opSlotCount - (Costs2Tokenizer.tokenDim - CostTokenizer.tokenDim)
        case Costs2Tokenizer.tokenDim: slots = Costs2Tokenizer.opSlotCount
        default: return []
        }
        return [depthwiseColumn] + Array(first..<(first + slots))
    }

    /// The `costs` tokens' depthwise flag (1 for a depthwise convolution).
    static let depthwiseColumn = 5

    /// Whether `trained` has the readout and transform a rate correction applies to.
    package static func applies(to trained: TrainedModel) -> Bool {
        trained.model.config.readout == .nodeCost && trained.transform == .ratio
            && !groupColumns(tokenDim: trained.model.config.inDim).isEmpty
    }

    /// Fits the correction on `samples` (penalty by cross-validation) and applies it to
    /// `trained` in place; returns it, or nil when the model is not a node-cost model.
    @discardableResult
    package static func adapt(_ trained: TrainedModel, on samples: [MeasuredSample]) throws -> RateCorrection? {
        guard applies(to: trained), !samples.isEmpty else { return nil }
        let (problem, columns) = try problem(for: trained, samples: samples)
        let correction = problem.fitChoosingLambda()
        try apply(correction, columns: columns, to: trained)
        return correction
    }

    /// The fitting problem: each sample's nodes merged by the groups they belong to (only
    /// groups some sample's node belongs to are kept; `columns` names their token columns).
    package static func problem(for trained: TrainedModel, samples: [MeasuredSample]) throws
        -> (problem: RateCorrectionProblem, columns: [Int]) {
        let graphs = samples.map(\.graph)
        let candidates = groupColumns(tokenDim: trained.model.config.inDim)
        let used = candidates.filter { column in
            graphs.contains { graph in (0..<graph.nodeCount).contains { graph.tokens[$0 * graph.tokenDim + column] == 1 } }
        }
        let groupOfColumn = Dictionary(uniqueKeysWithValues: used.enumerated().map { ($1, $0) })
        let terms = try trained.model.nodeCostTerms(graphs)
        let predicted = try trained.predictValues(graphs)
        var networks: [RateCorrectionProblem.Network] = []
        for (index, sample) in samples.enumerated() {
            let graph = sample.graph, nodeTerms = terms[index]
            let total = (0..<(graph.nodeCount * RateCorrection.terms)).reduce(0.0) { $0 + Double(nodeTerms[$1]) }
            guard total > 0, predicted[index] > 0, sample.latencyMs > 0 else { continue }
            // Nodes of the same groups are merged into one part.
            var parts: [[Int]: [Double]] = [:]
            for node in 0..<graph.nodeCount {
                let groups = used.filter { graph.tokens[node * graph.tokenDim + $0] == 1 }.map { groupOfColumn[$0]! }
                var shares = parts[groups] ?? Array(repeating: 0, count: RateCorrection.terms)
                for r in 0..<RateCorrection.terms { shares[r] += Double(nodeTerms[node * RateCorrection.terms + r]) / total }
                parts[groups] = shares
            }
            let ordered = parts.keys.sorted { $0.lexicographicallyPrecedes($1) }
                .map { RateCorrectionProblem.Part(groups: $0, shares: parts[$0]!) }
            networks.append(RateCorrectionProblem.Network(parts: ordered, logRatio: Foundation.log(Double(sample.latencyMs) / predicted[index]),
                                                          key: sample.graphHash))
        }
        return (RateCorrectionProblem(groupCount: used.count, networks: networks), used)
    }

    /// Writes `correction` into the readout's bias and token weights.
    package static func apply(_ correction: RateCorrection, columns: [Int], to trained: TrainedModel) throws {
        let model = trained.model, width = model.config.inDim
        guard var bias = model.tensor(named: "readout.bias"), var tokenWeight = model.tensor(named: "readout.token_weight"),
              bias.count == RateCorrection.terms, tokenWeight.count == RateCorrection.terms * width else {
            throw Retrainer.Failure(description: "the model has no node-cost readout to correct")
        }
        // The common scale goes into the target scale, where the retrainer's scale hold
        // (microseconds recorded as milliseconds) looks for a level change.
        trained.targetScale *= Foundation.exp(correction.shift)
        for r in 0..<RateCorrection.terms {
            bias[r] += Float(correction.termShift[r])
            for (group, column) in columns.enumerated() { tokenWeight[r * width + column] += Float(correction.groupShift[r][group]) }
        }
        try model.setTensor(named: "readout.bias", values: bias)
        try model.setTensor(named: "readout.token_weight", values: tokenWeight)
    }
}
