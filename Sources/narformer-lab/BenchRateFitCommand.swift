import ArgumentParser
import Engine
import Foundation
import Lab
import Learning

/// `narformer-lab bench rate-fit`: the rate correction alone on a new machine's first
/// measured networks, with the penalty chosen by cross-validation and with every fixed
/// penalty of the grid (docs/continual-learning.md, "A new machine for whole networks").
struct BenchRateFitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate-fit",
        abstract: "The rate correction alone (no fine-tuning) after the first N measured networks of a list: MAPE on the rest, per penalty and per family."
    )

    @Option(help: "The latency list (NNLQP format) of the new machine.")
    var data = "data/latency-openvino/gt.txt"

    @Option(help: "The prior (a node-cost model).")
    var model = "Sources/Engine/DefaultModels/latency-cpu-ort-1t.safetensors"

    @Option(help: "Seeds of the arrival order (comma-separated; the learning curve's).")
    var seeds = "0,1,2"

    @Option(help: "Numbers of measured networks (comma-separated).")
    var measured = "10,30"

    @Option(help: "Only these fitters (names as printed, separated by ';'); all when not given.")
    var fitterNames: String?

    @Flag(help: "Print the rows as JSON lines.")
    var json = false

    func run() async throws {
        let seedList = seeds.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        let counts = measured.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !seedList.isEmpty, !counts.isEmpty, counts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--seeds and --measured must be comma-separated whole numbers")
        }
        let list = try LatencyList.load(from: URL(fileURLWithPath: data))
        let modelURL = URL(fileURLWithPath: model)
        let stored = try TrainedModel.load(from: modelURL).metadata.tokenEncoding
        guard let encoding = TokenEncoding(storedName: stored) else {
            throw ValidationError("\(model) reads tokens '\(stored)', which no whole-network encoding makes")
        }
        let dataset = try TrainingDataset.latency(list, cache: TokenCache(encoding: encoding.storedName), encoding: encoding)
        let study = try RateCorrectionStudy(list: list, dataset: dataset, model: modelURL)
        var fitters = [RateCorrectionStudy.Fitter(name: "cross-validation", fit: { $0.fitChoosingLambda() }),
                       RateCorrectionStudy.Fitter(name: "cross-validation, smallest error", fit: { $0.fitChoosingLambda(oneStandardError: false) }),
                       RateCorrectionStudy.Fitter(name: "evidence", fit: { $0.fitChoosingLambdaByEvidence() })]
        fitters += [RateCorrectionStudy.Fitter(name: "slopes, cross-validation", sizeSlopes: true, fit: { $0.fitChoosingLambda() }),
                    RateCorrectionStudy.Fitter(name: "slopes, evidence", sizeSlopes: true, fit: { $0.fitChoosingLambdaByEvidence() })]
        for lambda in RateCorrection.lambdaGrid {
            fitters.append(RateCorrectionStudy.Fitter(name: "lambda \(lambda)", fit: { $0.fit(lambda: lambda) }))
        }
        if let only = fitterNames {
            let names = Set(only.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) })
            fitters = fitters.filter { names.contains($0.name) }
            guard !fitters.isEmpty else { throw ValidationError("--fitter-names names no fitter") }
        }
        let rows = try study.run(seeds: seedList, measured: counts, fitters: fitters)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for row in rows {
            if json {
                print(String(decoding: try encoder.encode(row), as: UTF8.self))
            } else {
                let families = row.families.keys.sorted().map { "\($0) \(String(format: "%.1f", row.families[$0]!))" }
                print("seed \(row.seed) n \(row.measured) (trained \(row.trained)) \(row.fitter): lambda \(row.lambda) "
                      + "MAPE \(String(format: "%.2f", row.mape))% | " + families.joined(separator: ", "))
            }
        }
    }
}
