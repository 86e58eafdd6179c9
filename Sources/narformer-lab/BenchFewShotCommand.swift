import ArgumentParser
import Foundation
import Inbox
import Lab

/// `narformer bench fewshot`: the HELP few-shot setting on NAS-Bench-201 latencies
/// (docs/continual-learning.md, "A new device from few samples").
struct BenchFewShotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fewshot",
        abstract: "Leave one device out, pretrain on the others, adapt from 10/20/50 cells; Spearman and MAPE per device."
    )

    @Option(help: "Folder with latency.csv and train.csv.")
    var data = "data/nb201"

    @Option(help: "Devices to leave out in turn (comma-separated); default: every column.")
    var devices: String?

    @Option(help: "Shots (comma-separated).")
    var shots = "10,20,50"

    @Option(help: "Cells per device used for pretraining.")
    var pretrainCells = 1000

    @Option(help: "Pretraining epochs.")
    var pretrainEpochs = 15

    @Option(help: "Fine-tuning epochs on the shots.")
    var fineTuneEpochs = 30

    @Flag(help: "Print JSON lines.")
    var json = false

    @Option(help: "Instead: the learning curve of this device through measurement drops and retrains.")
    var curveDevice: String?

    @Option(help: "Where the learning curve's SVG goes.")
    var curveSVG = "learning-curve.svg"

    @Option(help: "Measurements per drop, and drops, of the learning curve.")
    var dropSize = 50

    @Option(help: "Drops of the learning curve.")
    var drops = 8

    func run() async throws {
        var settings = FewShotExperiment.Settings()
        settings.pretrainCells = pretrainCells
        settings.pretrainEpochs = pretrainEpochs
        settings.fineTuneEpochs = fineTuneEpochs
        settings.shots = shots.split(separator: ",").compactMap { Int($0) }
        let folder = URL(fileURLWithPath: data)
        let experiment: FewShotExperiment
        do {
            experiment = try FewShotExperiment(latencyCSV: folder.appendingPathComponent("latency.csv"),
                                               trainCSV: folder.appendingPathComponent("train.csv"), settings: settings)
        } catch {
            throw ValidationError("\(error)")
        }
        if let curveDevice {
            let curve = LearningCurveExperiment(fewShot: experiment, dropSize: dropSize, drops: drops,
                                                epochs: fineTuneEpochs)
            let points = try await curve.run(device: curveDevice, workDirectory: FileManager.default.temporaryDirectory)
            print("measurements  decision   version  holdout  mape(active)  rho(active)")
            for point in points {
                print(String(format: "%12d  ", point.measurements) + point.decision.padding(toLength: 9, withPad: " ", startingAt: 0)
                      + String(format: "  %7d  %7d  %11.2f%%  %11.3f", point.version ?? 0, point.holdout,
                               point.activeMAPE, point.activeRho))
            }
            try LearningCurveExperiment.svg(points, device: curveDevice).write(toFile: curveSVG, atomically: true, encoding: .utf8)
            print("figure: \(curveSVG)")
            return
        }
        let chosen = devices.map { $0.split(separator: ",").map(String.init) } ?? experiment.devices.keys.sorted()
        let started = Date()
        let tokens = try experiment.cellTokens()
        let sources = try experiment.pretrainPerDevice(tokens: tokens)
        if !json { print(String(format: "pretrained %d per-device models in %.0f s", sources.count, Date().timeIntervalSince(started))) }
        if !json { print("device            shots  source          rho(scale)  mape(scale)  rho(tuned)  mape(tuned)  evaluated") }
        var totals: [Int: (rho: Double, mape: Double, count: Int)] = [:]
        for device in chosen {
            let started = Date()
            for result in try experiment.run(device: device, sources: sources, tokens: tokens) {
                let old = totals[result.shots] ?? (0, 0, 0)
                totals[result.shots] = (old.rho + result.fineTunedRho, old.mape + result.fineTunedMAPE, old.count + 1)
                if json {
                    let line = try JSONEncoder().encode(result)
                    print(String(decoding: line, as: UTF8.self))
                } else {
                    print(device.padding(toLength: 17, withPad: " ", startingAt: 0)
                          + String(format: " %5d  ", result.shots) + result.source.padding(toLength: 14, withPad: " ", startingAt: 0)
                          + String(format: "  %10.3f  %10.1f%%  %10.3f  %10.1f%%  %9d",
                                 result.scaledRho, result.scaledMAPE, result.fineTunedRho, result.fineTunedMAPE,
                                 result.evaluated))
                }
            }
            if !json { print(String(format: "  (%.0f s)", Date().timeIntervalSince(started))) }
        }
        if !json {
            for (k, total) in totals.sorted(by: { $0.key < $1.key }) {
                print(String(format: "mean over %d devices, %d shots: rho %.3f, mape %.1f%%", total.count, k,
                             total.rho / Double(total.count), total.mape / Double(total.count)))
            }
        }
    }
}
