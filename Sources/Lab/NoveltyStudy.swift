import Engine
import Foundation

/// How well novelty scores rank prediction errors and tell unseen families from known
/// ones, on the leave-one-family-out splits of a latency list (`narformer-lab bench
/// novelty`).
///
/// Per left-out family F: every fifth network of each other family is the in-domain test
/// set, the rest of the other families are trained on (a smaller model than the shipped
/// one, so nine folds stay affordable on two shared cores), and every network of F is the
/// unseen-family test set. Each method scores every test network:
/// - `embedding`: kNN distance in the model's pooled embedding (the summary's embedding space);
/// - `op-mix`: kNN distance in op-type shares + size, no model (its op-mix space);
/// - `ensemble`: spread (sd of ln prediction) of `ensembleSize` models trained from other
///   seeds, over the median spread on the training networks;
/// - `embedding x op-mix`: the geometric mean of the first two, the product's score
///   (`NoveltySummary.score`);
/// - `knn-residual`: the mean relative training error of the 5 nearest training networks
///   in the embedding (an estimate of the error itself, not of distance);
/// - `embedding x knn-residual`: the geometric mean of `embedding` and `knn-residual`.
/// Reported per fold and pooled over all folds: Spearman of the score with the absolute
/// relative error of member 0's prediction (in-domain and unseen networks together) and
/// the ROC AUC of unseen (positive) against in-domain.
///
/// With `outOfFoldModels` > 1 each fold's training networks also get out-of-fold errors
/// (inner models trained without them), reported per training network for fitting an error
/// model on the fold's training side only (tools/analysis/novelty_error_signals.py).
public enum NoveltyStudy {
    public struct Options: Sendable {
        public var epochs = 8
        public var hidden = 64
        public var ensembleSize = 3
        public var seed: UInt64 = 0
        /// Only these left-out families (nil: all).
        public var families: [String]?
        /// Inner folds over each fold's training networks for out-of-fold residuals (0: none).
        public var outOfFoldModels = 0
        /// The tokens the study models read (`costs` for the onnxruntime list; the
        /// canonical-graph `costs3` for lists with attention-era networks).
        public var encoding: TokenEncoding = .costs
        public init() {}
    }

    public static let methods = ["embedding", "op-mix", "ensemble", "embedding x op-mix", "knn-residual",
                                 "embedding x knn-residual", "global embedding x op-mix"]

    /// One scored test network.
    public struct Point: Sendable {
        public var fold: String
        public var name: String
        public var unseen: Bool
        public var relativeError: Double
        /// Scores in the order of `methods`.
        public var scores: [Double]
        /// Traits and candidate error signals, printed with `--json` only: nodes, flops,
        /// predicted (ms); with `outOfFoldModels` > 1 also `oof-knn`, the mean out-of-fold
        /// error of the 5 nearest training networks in the embedding.
        public var extras: [String: Double] = [:]
    }

    /// One training network of a fold with its out-of-fold error (`outOfFoldModels` > 1):
    /// what an error model may be fitted on without seeing the fold's test networks.
    public struct TrainingPoint: Sendable {
        public var fold: String
        public var name: String
        /// |relative error| of a model trained on the other inner folds.
        public var outOfFoldError: Double
        /// |relative error| of the fold's model, which trained on this network.
        public var inSampleError: Double
        /// The fold's model's prediction (ms).
        public var predicted: Double
        public var nodes: Int
        public var flops: Double
    }

    public struct Quality: Sendable {
        public var spearman: Double
        public var auc: Double
    }

    public static func run(_ data: TrainingDataset, options: Options,
                           progress: (String) -> Void = { _ in },
                           trainingRow: (TrainingPoint) -> Void = { _ in }) throws -> [Point] {
        let families = options.families ?? Array(Set(data.families)).sorted()
        var points: [Point] = []
        for family in families {
            let start = Date()
            let unseen = data.samples.indices.filter { data.samples[$0].family == family }
            guard !unseen.isEmpty else { throw EvaluationError("the data has no network of family \(family)") }
            var others: [Int] = []
            var inDomain: [Int] = []
            var position: [String: Int] = [:]
            for i in data.samples.indices where data.samples[i].family != family {
                let n = position[data.samples[i].family, default: 0]
                position[data.samples[i].family] = n + 1
                if n % 5 == 4 { inDomain.append(i) } else { others.append(i) }
            }
            let train = data.subset(others)
            let tests = inDomain + unseen
            let testGraphs = tests.map { data.samples[$0].graph }
            var members: [TrainedModel] = []
            for member in 0..<max(1, options.ensembleSize) {
                members.append(try trainMember(train, options: options, seed: options.seed + UInt64(member)))
            }
            let first = members[0]
            let predicted = try first.predictValues(testGraphs)
            // The product's summary of the fold's training networks, and each of its spaces alone.
            try first.summarizeTrainingNetworks(train.graphs, seed: options.seed)
            guard let summary = first.noveltySummary, let opMix = summary.opMix else {
                throw EvaluationError("no summary with an op-mix space for fold \(family)")
            }
            let embeddings = try first.noveltyVectors(testGraphs, method: .embedding)
            let mixes = try first.noveltyVectors(testGraphs, method: .opMix)
            var byMethod: [[Double]] = [embeddings.map(summary.embedding.distanceRatio), mixes.map(opMix.distanceRatio)]
            byMethod.append(try ensembleSpread(members, train: train.graphs, test: testGraphs))
            byMethod.append(zip(embeddings, mixes).map { summary.score(embedding: $0, opMix: $1) })
            let trainPredicted = try first.predictValues(train.graphs)
            let residuals = zip(trainPredicted, train.targets).map { abs($0 - $1) / $1 }
            byMethod.append(try localResidual(first, train: train.graphs, residuals: residuals, test: testGraphs))
            byMethod.append(zip(byMethod[0], byMethod[4]).map { ($0 * $1).squareRoot() })
            // The product's two spaces over the sample's one typical distance instead of the
            // local scale (the score before the local scale).
            byMethod.append(zip(embeddings, mixes).map {
                (summary.embedding.globalDistanceRatio($0) * opMix.globalDistanceRatio($1)).squareRoot()
            })
            // What the error might follow besides distance: size and the model's own prediction.
            var extras: [[String: Double]] = zip(testGraphs, predicted).map { graph, value in
                let traits = NetworkTraits(graph, tokens: .network(options.encoding))
                return ["nodes": Double(traits.nodeCount), "flops": traits.flops ?? 0, "predicted": value]
            }
            if options.outOfFoldModels > 1 {
                let outOfFold = try outOfFoldResiduals(train, options: options)
                let knn = try localResidual(first, train: train.graphs, residuals: outOfFold, test: testGraphs)
                for t in tests.indices { extras[t]["oof-knn"] = knn[t] }
                for (i, sample) in train.samples.enumerated() {
                    let traits = NetworkTraits(sample.graph, tokens: .network(options.encoding))
                    trainingRow(TrainingPoint(fold: family, name: sample.name, outOfFoldError: outOfFold[i],
                                              inSampleError: residuals[i], predicted: trainPredicted[i],
                                              nodes: traits.nodeCount, flops: traits.flops ?? 0))
                }
            }
            for (t, index) in tests.enumerated() {
                let target = data.samples[index].target
                points.append(Point(fold: family, name: data.samples[index].name, unseen: data.samples[index].family == family,
                                    relativeError: abs(predicted[t] - target) / target,
                                    scores: byMethod.map { $0[t] }, extras: extras[t]))
            }
            progress(String(format: "%@: %d trained, %d in-domain, %d unseen, %.0f s", family, others.count, inDomain.count,
                            unseen.count, Date().timeIntervalSince(start)))
        }
        return points
    }

    /// One study model: the options' tokens, 2 blocks of `hidden`, node-cost readout, the latency recipe.
    static func trainMember(_ train: TrainingDataset, options: Options, seed: UInt64) throws -> TrainedModel {
        guard let sample = train.samples.first else { throw EvaluationError("a fold has no training networks") }
        var config = ModelConfig.paperLatency
        config.inDim = sample.graph.tokenDim
        config.staticDim = max(1, sample.graph.staticFeatures.count)
        config.hidden = options.hidden
        config.fcHidden = options.hidden
        config.readout = .nodeCost
        let trained = try TrainingDriver.freshModel(config: config, seed: seed, for: train, platform: "", transform: .ratio)
        var recipe = TrainingRecipe.latency(epochs: options.epochs, seed: seed)
        recipe.loss = .standard(for: config)
        try TrainingDriver(recipe: recipe).run(trained, train: train)
        return trained
    }

    /// The absolute relative error of each training network predicted by a model trained
    /// on the other inner folds (every `outOfFoldModels`-th network held out in turn).
    static func outOfFoldResiduals(_ train: TrainingDataset, options: Options) throws -> [Double] {
        var out = [Double](repeating: .nan, count: train.count)
        let folds = options.outOfFoldModels
        for inner in 0..<folds {
            let held = train.samples.indices.filter { $0 % folds == inner }
            let kept = train.samples.indices.filter { $0 % folds != inner }
            let model = try trainMember(train.subset(kept), options: options, seed: options.seed + 100 + UInt64(inner))
            let values = try model.predictValues(held.map { train.samples[$0].graph })
            for (i, v) in zip(held, values) { out[i] = abs(v - train.samples[i].target) / train.samples[i].target }
        }
        return out
    }

    /// Per test graph: the mean residual of its 5 nearest training graphs in the model's
    /// embedding (standardised per dimension over the training graphs).
    static func localResidual(_ model: TrainedModel, train: [TokenGraph], residuals: [Double],
                              test: [TokenGraph]) throws -> [Double] {
        let trainVectors = try model.noveltyVectors(train, method: .embedding)
        let testVectors = try model.noveltyVectors(test, method: .embedding)
        let width = trainVectors.first?.count ?? 0
        var mean = [Double](repeating: 0, count: width), sd = mean
        for v in trainVectors { for j in 0..<width { mean[j] += Double(v[j]) / Double(trainVectors.count) } }
        for v in trainVectors { for j in 0..<width { sd[j] += pow(Double(v[j]) - mean[j], 2) / Double(trainVectors.count) } }
        sd = sd.map { $0 > 1e-12 ? $0.squareRoot() : 1 }
        func standardized(_ v: [Float]) -> [Double] { (0..<width).map { (Double(v[$0]) - mean[$0]) / sd[$0] } }
        let reference = trainVectors.map(standardized)
        return testVectors.map { vector in
            let q = standardized(vector)
            let nearest = reference.indices.map { r in (zip(q, reference[r]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }, r) }
                .sorted { $0.0 < $1.0 }.prefix(5)
            return nearest.reduce(0) { $0 + residuals[$1.1] } / Double(nearest.count)
        }
    }

    /// Per test graph: sd over members of ln(prediction), over the median of the same on the
    /// training graphs.
    static func ensembleSpread(_ members: [TrainedModel], train: [TokenGraph], test: [TokenGraph]) throws -> [Double] {
        func spreads(_ graphs: [TokenGraph]) throws -> [Double] {
            let logs = try members.map { try $0.predictValues(graphs).map { Foundation.log(max($0, 1e-12)) } }
            return graphs.indices.map { g in
                let values = logs.map { $0[g] }
                let mean = values.reduce(0, +) / Double(values.count)
                return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
            }
        }
        guard members.count > 1 else { return Array(repeating: 1, count: test.count) }
        let reference = try spreads(train).sorted()
        let typical = max(reference[reference.count / 2], 1e-9)
        return try spreads(test).map { $0 / typical }
    }

    /// Spearman (score vs |relative error|) and ROC AUC (unseen vs in-domain) of one method
    /// over `points`.
    public static func quality(_ points: [Point], method: Int) -> Quality {
        let scores = points.map { $0.scores[method] }
        let spearman = Metrics.spearman(scores, points.map(\.relativeError))
        let positives = points.filter(\.unseen).map { $0.scores[method] }
        let negatives = points.filter { !$0.unseen }.map { $0.scores[method] }
        return Quality(spearman: spearman, auc: rocAUC(positives: positives, negatives: negatives))
    }

    /// The probability that a random positive scores above a random negative (ties count half).
    public static func rocAUC(positives: [Double], negatives: [Double]) -> Double {
        guard !positives.isEmpty, !negatives.isEmpty else { return .nan }
        let ranks = Metrics.averageRanks(positives + negatives)
        let positiveRankSum = ranks.prefix(positives.count).reduce(0, +)
        let p = Double(positives.count), n = Double(negatives.count)
        return (positiveRankSum - p * (p + 1) / 2) / (p * n)
    }

    /// Markdown: per fold and pooled, each method's Spearman and AUC.
    public static func table(_ points: [Point]) -> String {
        var out = "| fold | networks (in-domain + unseen) | median error in-domain / unseen | "
            + methods.map { "\($0) Spearman | \($0) AUC" }.joined(separator: " | ") + " |\n"
        out += "|" + String(repeating: "---|", count: 3 + 2 * methods.count) + "\n"
        var folds = Array(Set(points.map(\.fold))).sorted()
        folds.append("pooled")
        var sums = [Double](repeating: 0, count: 2 * methods.count)
        for fold in folds {
            let mine = fold == "pooled" ? points : points.filter { $0.fold == fold }
            func medianError(_ unseen: Bool) -> String {
                let e = mine.filter { $0.unseen == unseen }.map(\.relativeError).sorted()
                return e.isEmpty ? "-" : String(format: "%.1f%%", 100 * e[e.count / 2])
            }
            var cells: [String] = []
            for m in methods.indices {
                let q = quality(mine, method: m)
                if fold != "pooled" { sums[2 * m] += q.spearman; sums[2 * m + 1] += q.auc }
                cells += [String(format: "%.3f", q.spearman), String(format: "%.3f", q.auc)]
            }
            out += "| \(fold) | \(mine.filter { !$0.unseen }.count) + \(mine.filter(\.unseen).count) | "
                + "\(medianError(false)) / \(medianError(true)) | " + cells.joined(separator: " | ") + " |\n"
        }
        let n = Double(max(1, folds.count - 1))
        out += "| mean of folds | | | " + sums.map { String(format: "%.3f", $0 / n) }.joined(separator: " | ") + " |\n"
        return out
    }
}
