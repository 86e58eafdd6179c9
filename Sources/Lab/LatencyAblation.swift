import Engine
import Foundation

/// The cost-model rows of the latency ablation (docs/results.md): predictors without a
/// Transformer, each fitted on a split's training networks and scored on its test
/// networks, on the in-domain split and on every leave-one-family-out split.
///
/// - `roofline`: a FLOPs + b memory + c nodes, least squares on relative error, every
///   coefficient kept positive: the node-cost model's starting point, untrained.
/// - `kernel-sum`: nn-Meter's idea, one cost model per op type summed over the nodes:
///   latency = sum over nodes of a_k FLOPs + b_k memory + c_k for the node's op type k
///   (one-hot slot of its token; unknown ops share one type), coefficients exp(theta) > 0
///   fitted by Adam on the mean squared log error, starting from the roofline (a type the
///   training networks lack keeps the roofline's rates).
/// - `flops-mac-ols`: a FLOPs + b MAC + c in ms, ordinary least squares (the baseline
///   `narformer eval --baseline flops-mac` reports).
/// - `flops-mac-log`: ln latency = a ln FLOPs + b ln MAC + c, least squares on logs.
public enum LatencyAblation {
    public static let predictors = ["roofline", "kernel-sum", "flops-mac-ols", "flops-mac-log"]

    public struct Row: Sendable {
        public var predictor: String
        /// `in-domain` or the left-out family.
        public var split: String
        public var metrics: EvaluationMetrics
    }

    /// What the predictors read of one network.
    struct Network {
        var latency: Double
        var family: String
        var costs: NetworkCostSummary
        /// (F, M, N) of the roofline.
        var roofline: [Double]
        /// Per op type k: sum of node FLOPs, of node memory, node count at 3k, 3k+1, 3k+2.
        var perType: [Double]
    }

    /// Op types: the 32 one-hot slots of the baseline columns, plus one for the rest.
    static let types = 33

    /// Reads the networks of a data set in the `costs` encoding (per-node cost columns).
    static func networks(_ data: TrainingDataset) throws -> [Network] {
        let oneHot = CostTokenizer.costColumns, scale = Double(CostTokenizer.logScale)
        return try data.samples.map { sample in
            guard let costs = sample.costs else { throw EvaluationError("\(sample.name) has no network costs") }
            let g = sample.graph
            guard g.tokenDim == CostTokenizer.tokenDim else {
                throw EvaluationError("the ablation reads the costs tokens (\(CostTokenizer.tokenDim) wide), \(sample.name) has \(g.tokenDim)")
            }
            var perType = [Double](repeating: 0, count: 3 * types)
            for i in 0..<g.nodeCount {
                let row = i * g.tokenDim
                let k = (0..<32).first { g.tokens[row + oneHot + $0] == 1 } ?? 32
                perType[3 * k] += Foundation.exp(scale * Double(g.tokens[row + CostTokenizer.flopsColumn])) - 1
                perType[3 * k + 1] += Foundation.exp(scale * Double(g.tokens[row + CostTokenizer.memoryColumn])) - 1
                perType[3 * k + 2] += 1
            }
            return Network(latency: sample.target, family: sample.family, costs: costs,
                           roofline: NodeCostReadout.rooflineFeatures(g), perType: perType)
        }
    }

    /// Every predictor on the in-domain split (every fifth network of each family held out)
    /// and on each leave-one-family-out split.
    public static func run(_ data: TrainingDataset) throws -> [Row] {
        let all = try networks(data)
        let indexed = all.enumerated().map { IndexedNetwork(index: $0.offset, family: $0.element.family) }
        var splits: [(name: String, train: [Int], test: [Int])] = []
        let fifth = try DatasetSplitter.holdOutEveryNth(indexed, period: 5)
        splits.append(("in-domain", fifth.train.map(\.index), fifth.test.map(\.index)))
        for family in Set(all.map(\.family)).sorted() {
            let split = try DatasetSplitter.leaveFamilyOut(indexed, family: family)
            splits.append((family, split.train.map(\.index), split.test.map(\.index)))
        }
        var rows: [Row] = []
        for split in splits {
            let train = split.train.map { all[$0] }, test = split.test.map { all[$0] }
            let measured = test.map(\.latency)
            for predictor in predictors {
                let predicted = try predict(predictor, train: train, test: test)
                let report = try EvaluationReport.evaluate(predicted: predicted, measured: measured)
                rows.append(Row(predictor: predictor, split: split.name, metrics: report.overall))
            }
        }
        return rows
    }

    static func predict(_ predictor: String, train: [Network], test: [Network]) throws -> [Double] {
        let y = train.map(\.latency)
        switch predictor {
        case "roofline":
            let c = try NodeCostReadout.rooflineFit(rows: train.map(\.roofline), targets: y)
            return test.map { zip(c, $0.roofline).reduce(0) { $0 + $1.0 * $1.1 } }
        case "kernel-sum":
            return try KernelSumModel(training: train).predict(test)
        case "flops-mac-ols":
            let fit = try FlopsMacBaseline(training: train.map(\.costs), latencies: y)
            return fit.predict(test.map(\.costs))
        case "flops-mac-log":
            func logs(_ n: Network) -> [Double] { [Foundation.log(max(n.costs.flops, 1)), Foundation.log(max(n.costs.memoryAccess, 1))] }
            let fit = try LeastSquaresFit.fit(rows: train.map(logs), targets: y.map { Foundation.log($0) })
            return test.map { Foundation.exp(fit.predict(logs($0))) }
        default:
            throw EvaluationError("unknown predictor \(predictor)")
        }
    }

    /// Markdown: one row per predictor, MAPE in-domain, then leave-one-family-out per family
    /// and their mean.
    public static func table(_ rows: [Row]) -> String {
        let families = Array(Set(rows.map(\.split)).subtracting(["in-domain"])).sorted()
        var out = "| predictor | in-domain MAPE | in-domain Acc(10%) | in-domain tau | " + families.joined(separator: " | ") + " | LOFO mean MAPE |\n"
        out += "|" + String(repeating: "---|", count: 5 + families.count) + "\n"
        for predictor in predictors {
            let mine = rows.filter { $0.predictor == predictor }
            guard let inDomain = mine.first(where: { $0.split == "in-domain" })?.metrics else { continue }
            let lofo = families.compactMap { f in mine.first { $0.split == f }?.metrics.mape }
            out += "| \(predictor) | \(percent(inDomain.mape)) | \(percent(inDomain.acc10)) | \(String(format: "%.3f", inDomain.kendallTau)) | "
                + lofo.map(percent).joined(separator: " | ")
                + " | \(percent(lofo.reduce(0, +) / Double(max(lofo.count, 1)))) |\n"
        }
        return out
    }

    static func percent(_ v: Double) -> String { String(format: "%.2f%%", 100 * v) }
}

/// A network's position with its family, for the splitters.
private struct IndexedNetwork: FamilySample {
    var index: Int
    var family: String
}

/// The per-op-type kernel-sum model of `LatencyAblation`.
struct KernelSumModel {
    /// ln of (a_k, b_k, c_k) per op type, flattened like `Network.perType`.
    var theta: [Double]

    static let iterations = 3000
    static let learningRate = 0.05

    init(training: [LatencyAblation.Network]) throws {
        let y = training.map(\.latency)
        let roofline = try NodeCostReadout.rooflineFit(rows: training.map(\.roofline), targets: y)
        // Start every type at the roofline's rates (a dropped term at a tiny positive rate).
        theta = (0..<(3 * LatencyAblation.types)).map { Foundation.log(max(roofline[$0 % 3], 1e-12)) }
        let count = theta.count
        var m = [Double](repeating: 0, count: count), v = m
        for step in 1...Self.iterations {
            let w = theta.map { Foundation.exp($0) }
            var gradient = [Double](repeating: 0, count: count)
            for (net, target) in zip(training, y) {
                let p = max(zip(w, net.perType).reduce(0) { $0 + $1.0 * $1.1 }, 1e-30)
                let r = 2 * (Foundation.log(p) - Foundation.log(target)) / (p * Double(training.count))
                for j in 0..<count where net.perType[j] != 0 { gradient[j] += r * net.perType[j] * w[j] }
            }
            // Adam (0.9, 0.999), the bias-corrected step.
            for j in 0..<count {
                m[j] = 0.9 * m[j] + 0.1 * gradient[j]
                v[j] = 0.999 * v[j] + 0.001 * gradient[j] * gradient[j]
                let mh = m[j] / (1 - Foundation.pow(0.9, Double(step))), vh = v[j] / (1 - Foundation.pow(0.999, Double(step)))
                theta[j] -= Self.learningRate * mh / (vh.squareRoot() + 1e-12)
            }
        }
    }

    func predict(_ networks: [LatencyAblation.Network]) -> [Double] {
        let w = theta.map { Foundation.exp($0) }
        return networks.map { zip(w, $0.perType).reduce(0) { $0 + $1.0 * $1.1 } }
    }
}
