import ArgumentParser
import Engine
import Foundation
import Lab

/// `narformer-lab bench novelty`: the novelty methods compared on the leave-one-family-out
/// splits of a latency list (`NoveltyStudy`).
struct BenchNoveltyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "novelty",
        abstract: "Novelty scores against prediction errors and unseen families, leave one family out."
    )

    @Option(help: "The latency list.")
    var data = "data/latency/gt.txt"

    @Option(help: "Tokens of the study models: costs (default; the onnxruntime list) or costs3 (the canonical graph, for lists with ViT, Swin or ConvNeXt).")
    var encoding = "costs"

    @Option(help: "Epochs of each study model.")
    var epochs = 8

    @Option(help: "Block width of each study model.")
    var hidden = 64

    @Option(help: "Models per fold for the ensemble-spread method (the first also serves the others).")
    var ensemble = 3

    @Option(help: "Seed of the first model; the ensemble's others take the next seeds.")
    var seed: UInt64 = 0

    @Option(help: "Only these left-out families (comma separated).")
    var families: String?

    @Option(help: "Inner folds over each fold's training networks for their out-of-fold errors (0: none; with --json, one line per training network, marked \"training\", and an oof-knn score per test network).")
    var outOfFold = 0

    @Flag(help: "One JSON line per scored network instead of the table.")
    var json = false

    @Option(help: "Instead of the study: time predicting every network of the list one at a time with this checkpoint, without and with novelty, paired per network in alternating order, this many rounds.")
    var timeModel: String?

    @Option(help: "Rounds of --time-model.")
    var rounds = 5

    func validate() throws {
        if epochs < 1 || hidden < 8 || ensemble < 1 { throw ValidationError("--epochs and --ensemble must be at least 1, --hidden at least 8") }
        // One inner fold would hold every training network out of the only inner model.
        if outOfFold == 1 || outOfFold < 0 { throw ValidationError("--out-of-fold is 0 (none) or at least 2") }
    }

    func run() throws {
        BLASThreads.set(1)
        if let timeModel { return try time(URL(fileURLWithPath: timeModel)) }
        guard let network = TokenEncoding(rawValue: encoding) else {
            throw ValidationError("--encoding: unknown token encoding '\(encoding)'")
        }
        var selection = DatasetSelection()
        selection.encoding = network
        let start = Date()
        let dataset: TrainingDataset
        do {
            dataset = try selection.load(URL(fileURLWithPath: data), cache: TokenCache(encoding: network.storedName)).selected
        } catch {
            throw ValidationError("\(error)")
        }
        var options = NoveltyStudy.Options()
        options.epochs = epochs
        options.hidden = hidden
        options.ensembleSize = ensemble
        options.seed = seed
        options.outOfFoldModels = outOfFold
        options.encoding = network
        options.families = families?.split(separator: ",").map { String($0) }
        let points = try NoveltyStudy.run(dataset, options: options, progress: { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }, trainingRow: { row in
            guard json else { return }
            print("{\"fold\":\"\(row.fold)\",\"training\":true,\"name\":\"\(row.name)\",\"out_of_fold_error\":\(row.outOfFoldError),"
                  + "\"in_sample_error\":\(row.inSampleError),\"predicted\":\(row.predicted),\"nodes\":\(row.nodes),\"flops\":\(row.flops)}")
        })
        if json {
            for p in points {
                let scores = (zip(NoveltyStudy.methods, p.scores).map { "\"\($0)\":\($1)" }
                    + p.extras.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }).joined(separator: ",")
                print("{\"fold\":\"\(p.fold)\",\"name\":\"\(p.name)\",\"unseen\":\(p.unseen),\"relative_error\":\(p.relativeError),\(scores)}")
            }
        } else {
            print(NoveltyStudy.table(points), terminator: "")
        }
        FileHandle.standardError.write(Data(String(format: "%d networks, %.0f s\n", dataset.count, Date().timeIntervalSince(start)).utf8))
    }

    /// What novelty adds to a prediction: every network predicted alone (as the daemon's
    /// engine does), without and with the novelty score, per round. The two are paired per
    /// network, in alternating order (even networks plain first, odd ones with novelty
    /// first), so load that comes and goes on a shared machine falls on both alike; each
    /// call is timed by this thread's CPU time (one BLAS thread: all of it runs here) and
    /// by wall time.
    private func time(_ url: URL) throws {
        let model = try TrainedModel.load(from: url)
        guard let encoding = model.metadata.tokens, case .network(let network) = encoding else {
            throw ValidationError("\(url.path) is not a whole-network latency model")
        }
        var selection = DatasetSelection()
        selection.encoding = network
        let graphs = try selection.load(URL(fileURLWithPath: data), cache: TokenCache(encoding: network.storedName)).selected.graphs
        guard model.noveltySummary != nil else { throw ValidationError("\(url.path) carries no novelty summary") }
        func cpuNow() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
        }
        /// Adds the call's wall and CPU seconds to `total`.
        func timed(_ total: inout (wall: Double, cpu: Double), _ body: () throws -> Void) rethrows {
            let start = ContinuousClock.now, cpuStart = cpuNow()
            try body()
            let cpu = cpuNow() - cpuStart, d = ContinuousClock.now - start
            total.wall += Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            total.cpu += cpu
        }
        for round in 1...max(1, rounds) {
            var plain = (wall: 0.0, cpu: 0.0), withNovelty = (wall: 0.0, cpu: 0.0)
            for (i, g) in graphs.enumerated() {
                if i % 2 == 0 {
                    try timed(&plain) { _ = try model.predictValues([g]) }
                    try timed(&withNovelty) { _ = try model.predictWithNovelty([g]) }
                } else {
                    try timed(&withNovelty) { _ = try model.predictWithNovelty([g]) }
                    try timed(&plain) { _ = try model.predictValues([g]) }
                }
            }
            let n = Double(graphs.count)
            print(String(format: "round %d: %d networks, %.3f ms per prediction without novelty, %.3f ms with (+%.1f%%); "
                         + "CPU %.3f ms without, %.3f ms with (+%.1f%%)", round, graphs.count, 1000 * plain.wall / n,
                         1000 * withNovelty.wall / n, 100 * (withNovelty.wall / plain.wall - 1), 1000 * plain.cpu / n,
                         1000 * withNovelty.cpu / n, 100 * (withNovelty.cpu / plain.cpu - 1)))
        }
    }
}
