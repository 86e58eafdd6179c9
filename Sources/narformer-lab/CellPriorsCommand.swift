import ArgumentParser
import Foundation
import Lab
import Learning

/// `narformer-lab cell-priors`: fits the NAS-Bench-201 cell priors the product ships
/// (`make train-defaults` runs it).
struct CellPriorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cell-priors",
        abstract: "Fit one additive cell-latency profile per device of latency.csv on the train.csv cells; write the priors JSON."
    )

    @Option(help: "Folder with latency.csv, train.csv and val.csv.")
    var data = "data/nb201"

    @Option(help: "Where the priors go.")
    var out = "Sources/Engine/DefaultModels/\(CellPriors.fileName)"

    func run() throws {
        let devices: NB201Devices
        do { devices = try NB201Devices(folder: URL(fileURLWithPath: data)) } catch { throw ValidationError("\(error)") }
        let priors = try devices.priors()
        try priors.write(to: URL(fileURLWithPath: out))
        print("\(priors.devices.count) devices, \(devices.trainCells.count) train.csv cells: \(out)")
    }
}
