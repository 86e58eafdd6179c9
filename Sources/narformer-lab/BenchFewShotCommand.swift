import ArgumentParser
import Foundation
import Lab
import Learning

/// `narformer-lab bench fewshot`: a new NAS-Bench-201 device from few measured cells,
/// through the daemon's path (docs/continual-learning.md, "A new device from few samples").
struct BenchFewShotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fewshot",
        abstract: "Each device left out in turn is a new platform: k measured cells as a drop, one retrain, Spearman and MAPE on its other cells."
    )

    @Option(help: "Folder with latency.csv, train.csv and val.csv.")
    var data = "data/nb201"

    @Option(help: "Devices to leave out in turn (comma-separated); default: every column.")
    var devices: String?

    @Option(help: "Shots (comma-separated).")
    var shots = "10,20,50"

    @Option(help: "Seeds of the cells' arrival order (comma-separated): each device is run once per order, and the means are over devices and orders.")
    var seeds = "7"

    @Option(help: "Cell priors file; default: the shipped one. The left-out device is removed from it.")
    var priors: String?

    @Flag(help: "Print JSON lines.")
    var json = false

    @Option(help: "Instead: the learning curve of this device through measurement drops and retrains.")
    var curveDevice: String?

    @Option(help: "Where the learning curve's SVG goes.")
    var curveSVG = "learning-curve.svg"

    @Option(help: "Measurements per drop of the learning curve.")
    var dropSize = 50

    @Option(help: "Drops of the learning curve.")
    var drops = 8

    @Flag(help: "Instead: known devices with their train.csv cells, the cell recipe against the op-count fit on val.csv.")
    var known = false

    @Option(help: "With --known: at most this many training cells per device.")
    var cells: Int?

    @Option(help: "With --known: cells from which the residual network is trained (default: the recipe's).")
    var residualMinimum: Int?

    @Option(help: "With --known: cells from which the base is the device's own op-count fit instead of the priors' posterior (default: the recipe's).")
    var ownFitMinimum: Int?

    @Option(help: "With --known: training epochs of the retrain plan (retraining.epochs; default: a config's default).")
    var epochs: Int?

    @Flag(help: "With --known: train the residual without first checking it on held-back cells.")
    var noResidualCheck = false

    func run() async throws {
        let experiment: FewShotExperiment
        do {
            let table = try NB201Devices(folder: URL(fileURLWithPath: data))
            let loaded = try priors.map { try CellPriors.load(from: URL(fileURLWithPath: $0)) } ?? CellPriors.shipped()
            experiment = FewShotExperiment(data: table, priors: loaded)
        } catch {
            throw ValidationError("\(error)")
        }
        let chosen = devices.map { $0.split(separator: ",").map(String.init) } ?? experiment.data.deviceNames
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-fewshot-\(getpid())")
        defer { try? FileManager.default.removeItem(at: work) }
        if let curveDevice {
            let curve = LearningCurveExperiment(fewShot: experiment, dropSize: dropSize, drops: drops)
            let points = try await curve.run(device: curveDevice, workDirectory: work)
            print("measurements  trained  held out  decision  version  mape(active)  rho(active)  mape(op-count)  rho(op-count)")
            for p in points {
                print(String(format: "%12d  %7d  %8d  ", p.measurements, p.trained, p.heldOut)
                      + p.decision.prefix(8).padding(toLength: 8, withPad: " ", startingAt: 0)
                      + String(format: "  %7d  %11.2f%%  %11.3f  %13.2f%%  %13.3f", p.version ?? 0, p.activeMAPE, p.activeRho,
                               p.opCountMAPE, p.opCountRho))
            }
            try LearningCurveExperiment.svg(points, device: curveDevice).write(toFile: curveSVG, atomically: true, encoding: .utf8)
            print("figure: \(curveSVG)")
            return
        }
        if known {
            var run = KnownCellDeviceExperiment(data: experiment.data, priors: experiment.priors)
            run.cellLimit = cells
            if let residualMinimum { run.residualMinimum = residualMinimum }
            if let ownFitMinimum { run.ownFitMinimum = ownFitMinimum }
            if let epochs { run.plan.epochs = epochs }
            run.checksResidual = !noResidualCheck
            if !json { print("device            cells  residual  rho(model)  rho(op-count)  mape(model)  mape(op-count)  seconds") }
            var sums = (model: 0.0, opCount: 0.0, count: 0, atLeast: 0)
            for device in chosen {
                let r = try run.run(device: device)
                sums = (sums.model + r.modelRho, sums.opCount + r.opCountRho, sums.count + 1,
                        sums.atLeast + (r.modelRho >= r.opCountRho ? 1 : 0))
                if json {
                    print(String(decoding: try JSONEncoder().encode(r), as: UTF8.self))
                } else {
                    print(device.padding(toLength: 17, withPad: " ", startingAt: 0) + String(format: " %5d  ", r.cells)
                          + (r.residualTrained ? "yes" : "no").padding(toLength: 8, withPad: " ", startingAt: 0)
                          + String(format: "  %10.4f  %13.4f  %10.2f%%  %13.2f%%  %7.1f", r.modelRho, r.opCountRho, r.modelMAPE,
                                   r.opCountMAPE, r.seconds))
                }
            }
            if !json, sums.count > 0 {
                print(String(format: "mean over %d devices: rho %.4f (op-count %.4f); at least the op-count's on %d", sums.count,
                             sums.model / Double(sums.count), sums.opCount / Double(sums.count), sums.atLeast))
            }
            return
        }
        let shotCounts = shots.split(separator: ",").compactMap { Int($0) }
        let orders = seeds.split(separator: ",").compactMap { UInt64($0) }
        guard !orders.isEmpty else { throw ValidationError("--seeds: no seed in '\(seeds)'") }
        if !json { print("device            shots  source          rho     mape  evaluated  outcome") }
        var totals: [Int: (rho: Double, mapes: [Double], count: Int)] = [:]
        for seed in orders {
            var ordered = experiment
            ordered.seed = seed
            for device in chosen {
                for r in try await ordered.run(device: device, shots: shotCounts, workDirectory: work) {
                    let old = totals[r.shots] ?? (0, [], 0)
                    totals[r.shots] = (old.rho + r.rho, old.mapes + [r.mape], old.count + 1)
                    if json {
                        print(String(decoding: try JSONEncoder().encode(r), as: UTF8.self))
                    } else {
                        print(device.padding(toLength: 17, withPad: " ", startingAt: 0) + String(format: " %5d  ", r.shots)
                              + (r.source ?? "-").padding(toLength: 14, withPad: " ", startingAt: 0)
                              + String(format: "  %.3f  %6.1f%%  %9d  ", r.rho, r.mape, r.evaluated) + r.outcome)
                    }
                }
            }
        }
        if !json {
            for (k, total) in totals.sorted(by: { $0.key < $1.key }) {
                let sorted = total.mapes.sorted()
                print(String(format: "mean over %d runs (devices x orders), %d shots: rho %.4f, median mape %.1f%%", total.count, k,
                             total.rho / Double(total.count), sorted[sorted.count / 2]))
            }
        }
    }
}
