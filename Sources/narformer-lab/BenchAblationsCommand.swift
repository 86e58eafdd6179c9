import ArgumentParser
import Engine
import Foundation
import Lab

/// `narformer-lab bench ablations`: the cost-model rows of the latency ablation table
/// (docs/results.md): roofline, per-op-type kernel sum, FLOPs+MAC by OLS and on log error,
/// in-domain and leave one family out. The Transformer rows come from `narformer train`
/// and `eval` (docs/results.md gives the commands).
struct BenchAblationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ablations",
        abstract: "Latency cost models without a Transformer, fitted per split: in-domain and leave one family out."
    )

    @Option(help: "The latency list.")
    var data = "data/latency/gt.txt"

    @Flag(help: "Print one JSON line per predictor and split instead of the table.")
    var json = false

    func run() throws {
        var selection = DatasetSelection()
        selection.encoding = .costs
        let cache = TokenCache(encoding: TokenEncoding.costs.storedName)
        let start = Date()
        let dataset: TrainingDataset
        do { dataset = try selection.load(URL(fileURLWithPath: data), cache: cache).selected } catch {
            throw ValidationError("\(error)")
        }
        let rows = try LatencyAblation.run(dataset)
        if json {
            for row in rows {
                let m = row.metrics
                print("{\"predictor\":\"\(row.predictor)\",\"split\":\"\(row.split)\",\"n\":\(m.count),\"mape\":\(m.mape),\"acc10\":\(m.acc10),\"kendall_tau\":\(m.kendallTau)}")
            }
        } else {
            print(LatencyAblation.table(rows), terminator: "")
        }
        FileHandle.standardError.write(Data(String(format: "%d networks, %.1f s\n", dataset.count, Date().timeIntervalSince(start)).utf8))
    }
}
