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
    static let depthwiseColumn = CostTokenizer.depthwiseColumn
    /// The `costs` tokens' arithmetic intensity, ln(1 + FLOPs / elements moved) / 5.
    static let intensityColumn = 7

    /// Whether `trained` has the readout and transform a rate correction applies to.
    package static func applies(to trained: TrainedModel) -> Bool {
        trained.model.config.readout == .nodeCost && trained.transform == .ratio
            && !groupColumns(tokenDim: trained.model.config.inDim).isEmpty
    }

    /// The continuous token columns a correction may also fit a log-rate slope on
    /// (`sizeSlopes`): ln(1 + FLOPs) / 10 and the arithmetic intensity. A slope `s` on a
    /// column `x` multiplies the node's term by `exp(s (x - centre))`, i.e. by a power of its
    /// FLOPs: another runtime's efficiency on small and large nodes, which no op group says.
    package static let sizeColumns = [CostTokenizer.flopsColumn, intensityColumn]

    /// Fits the correction on `samples` (penalty by its evidence) and applies it to
    /// `trained` in place; returns it, or nil when the model is not a node-cost model.
    ///
    /// Why the evidence and not cross-validation: on a new machine's first 10-30 networks,
    /// leave-one-out with the one-standard-error rule chose penalties 10-100 times too strong
    /// (seed 1 of the OpenVINO curve: 24.1% where the evidence's choice gives 13.2%), and
    /// the smallest leave-one-out error chose the weakest penalty where it was worst
    /// (`narformer-lab bench rate-fit`, docs/continual-learning.md).
    @discardableResult
    package static func adapt(_ trained: TrainedModel, on samples: [MeasuredSample]) throws -> RateCorrection? {
        guard applies(to: trained), !samples.isEmpty else { return nil }
        let (problem, groups) = try problem(for: trained, samples: samples)
        let correction = problem.fitChoosingLambdaByEvidence()
        try apply(correction, groups: groups, to: trained)
        return correction
    }

    /// One group of a correction: the token column its shift is written to, and the value
    /// its shift is measured from (0 for a one-hot column; the training nodes' mean for a
    /// size column, so that a slope does not also move the level).
    package struct Group: Sendable, Equatable {
        package var column: Int
        package var centre: Double

        package init(column: Int, centre: Double = 0) {
            self.column = column
            self.centre = centre
        }
    }

    /// The fitting problem: each sample's nodes merged by the groups they belong to (only
    /// groups some sample's node belongs to are kept; `groups` names their token columns),
    /// and with `sizeSlopes` by their size columns' values as well (rounded to 1/100).
    package static func problem(for trained: TrainedModel, samples: [MeasuredSample], sizeSlopes: Bool = false) throws
        -> (problem: RateCorrectionProblem, groups: [Group]) {
        let graphs = samples.map(\.graph)
        let candidates = groupColumns(tokenDim: trained.model.config.inDim)
        let used = candidates.filter { column in
            graphs.contains { graph in (0..<graph.nodeCount).contains { graph.tokens[$0 * graph.tokenDim + column] == 1 } }
        }
        let slopes = sizeSlopes && !used.isEmpty ? sizeColumns : []
        // A slope's centre: the mean of its column over the executed nodes measured.
        let centres = slopes.map { column -> Double in
            var sum = 0.0, count = 0.0
            for graph in graphs {
                for node in 0..<graph.nodeCount where graph.tokens[node * graph.tokenDim + CostTokenizer.memoryColumn] > 0 {
                    sum += Double(graph.tokens[node * graph.tokenDim + column])
                    count += 1
                }
            }
            return count > 0 ? sum / count : 0
        }
        let groups = used.map { Group(column: $0) } + zip(slopes, centres).map { Group(column: $0, centre: $1) }
        let terms = try trained.model.nodeCostTerms(graphs)
        let predicted = try trained.predictValues(graphs)
        var networks: [RateCorrectionProblem.Network] = []
        for (index, sample) in samples.enumerated() {
            let graph = sample.graph, nodeTerms = terms[index]
            let total = (0..<(graph.nodeCount * RateCorrection.terms)).reduce(0.0) { $0 + Double(nodeTerms[$1]) }
            guard total > 0, predicted[index] > 0, sample.latencyMs > 0 else { continue }
            // Nodes of the same groups (and rounded sizes) are merged into one part.
            var parts: [[Int]: (part: RateCorrectionProblem.Part, order: Int)] = [:]
            for node in 0..<graph.nodeCount {
                let row = node * graph.tokenDim
                let member = used.indices.filter { graph.tokens[row + used[$0]] == 1 }
                let sizes = slopes.indices.map { Foundation.round(100 * (Double(graph.tokens[row + slopes[$0]]) - centres[$0])) }
                let key = member + sizes.map { Int($0) + 1_000_000 }
                var entry = parts[key] ?? (RateCorrectionProblem.Part(
                    groups: member + slopes.indices.map { used.count + $0 },
                    shares: Array(repeating: 0, count: RateCorrection.terms),
                    values: Array(repeating: 1, count: member.count) + sizes.map { $0 / 100 }), parts.count)
                for r in 0..<RateCorrection.terms { entry.part.shares[r] += Double(nodeTerms[node * RateCorrection.terms + r]) / total }
                parts[key] = entry
            }
            let ordered = parts.values.sorted { $0.order < $1.order }.map(\.part)
            networks.append(RateCorrectionProblem.Network(parts: ordered, logRatio: Foundation.log(Double(sample.latencyMs) / predicted[index]),
                                                          key: sample.graphHash))
        }
        return (RateCorrectionProblem(groupCount: groups.count, networks: networks), groups)
    }

    /// Writes `correction` into the readout's bias and token weights, for one-hot groups.
    package static func apply(_ correction: RateCorrection, columns: [Int], to trained: TrainedModel) throws {
        try apply(correction, groups: columns.map { Group(column: $0) }, to: trained)
    }

    /// Writes `correction` into the readout's bias and token weights.
    package static func apply(_ correction: RateCorrection, groups: [Group], to trained: TrainedModel) throws {
        let model = trained.model, width = model.config.inDim
        guard var bias = model.tensor(named: "readout.bias"), var tokenWeight = model.tensor(named: "readout.token_weight"),
              bias.count == RateCorrection.terms, tokenWeight.count == RateCorrection.terms * width else {
            throw Retrainer.Failure(description: "the model has no node-cost readout to correct")
        }
        // The common scale goes into the target scale, where the retrainer's scale hold
        // (microseconds recorded as milliseconds) looks for a level change.
        trained.targetScale *= Foundation.exp(correction.shift)
        for r in 0..<RateCorrection.terms {
            var shift = correction.termShift[r]
            for (index, group) in groups.enumerated() {
                tokenWeight[r * width + group.column] += Float(correction.groupShift[r][index])
                // A slope is measured from its centre: s (x - c) = s x - s c.
                shift -= correction.groupShift[r][index] * group.centre
            }
            bias[r] += Float(shift)
        }
        try model.setTensor(named: "readout.bias", values: bias)
        try model.setTensor(named: "readout.token_weight", values: tokenWeight)
    }
}
