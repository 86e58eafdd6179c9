import Engine
import Foundation

/// What a new NAS-Bench-201 platform adapts from: one additive cell-latency profile
/// (`NB201EdgeCosts`) per known device, each in the device's *relative* cost (latencies
/// divided by their mean over the fitted cells), so profiles of a phone and a GPU compare
/// by shape, not by level.
///
/// Shipped as `nb201-cell-priors.json` beside the default models (found as they are:
/// `DefaultModels.locate(fileNamed:)`), made by `narformer-lab cell-priors` from
/// `data/nb201/latency.csv`'s `train.csv` cells (`make train-defaults`).
package struct CellPriors: Sendable, Equatable, Codable {
    package static let fileName = "nb201-cell-priors.json"
    package static let format = "narformer nb201 cell priors v1"

    package struct Device: Sendable, Equatable, Codable {
        /// `NB201EdgeCosts.coefficients`, relative cost.
        package var coefficients: [Double]
        package var floor: Double
        /// The device's mean latency over the fitted cells (ms): what relative costs are relative to.
        package var meanMs: Double
        package var cells: Int

        package init(coefficients: [Double], floor: Double, meanMs: Double, cells: Int) {
            self.coefficients = coefficients
            self.floor = floor
            self.meanMs = meanMs
            self.cells = cells
        }

        package var costs: NB201EdgeCosts {
            get throws { try NB201EdgeCosts(coefficients: coefficients, floor: floor) }
        }

        enum CodingKeys: String, CodingKey {
            case coefficients, floor, meanMs = "mean_ms", cells
        }
    }

    package var format: String
    package var devices: [String: Device]

    package init(devices: [String: Device]) {
        format = Self.format
        self.devices = devices
    }

    package struct Problem: Error, CustomStringConvertible {
        package var description: String
    }

    /// Fits one profile per device of `latencies` (device -> cell index -> ms) on the
    /// cells of `cells` (index -> operations) that the device measured.
    package static func fit(latencies: [String: [Int: Double]], cells: [Int: [Int]]) throws -> CellPriors {
        var devices: [String: Device] = [:]
        for (device, values) in latencies {
            let indices = cells.keys.filter { values[$0] != nil }.sorted()
            guard indices.count >= NB201EdgeCosts.featureCount else {
                throw Problem(description: "device \(device) has \(indices.count) measured cells; a profile needs at least \(NB201EdgeCosts.featureCount)")
            }
            let mean = indices.reduce(0) { $0 + values[$1]! } / Double(indices.count)
            guard mean > 0, mean.isFinite else { throw Problem(description: "device \(device) has a mean latency of \(mean)") }
            let costs = try NB201EdgeCosts.fit(ops: indices.map { cells[$0]! }, targets: indices.map { values[$0]! / mean })
            devices[device] = Device(coefficients: costs.coefficients, floor: costs.floor, meanMs: mean, cells: indices.count)
        }
        return CellPriors(devices: devices)
    }

    /// The same priors without `device` (a device must not be its own prior when it is the
    /// one being learned).
    package func excluding(_ device: String) -> CellPriors {
        var copy = self
        copy.devices[device] = nil
        return copy
    }

    package static func load(from url: URL) throws -> CellPriors {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw Problem(description: "\(url.path): cannot be read: \(error.localizedDescription)")
        }
        let priors: CellPriors
        do { priors = try JSONDecoder().decode(CellPriors.self, from: data) } catch {
            throw Problem(description: "\(url.path): not a cell priors file: \(error)")
        }
        guard priors.format == format else {
            throw Problem(description: "\(url.path): format '\(priors.format)', expected '\(format)'")
        }
        guard !priors.devices.isEmpty else { throw Problem(description: "\(url.path): holds no device") }
        for (name, device) in priors.devices.sorted(by: { $0.key < $1.key }) {
            do { _ = try device.costs } catch { throw Problem(description: "\(url.path): device \(name): \(error)") }
        }
        return priors
    }

    /// The shipped priors, looked for where the default models are.
    package static func shipped(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CellPriors {
        guard let url = DefaultModels.locate(fileNamed: fileName, environment: environment) else {
            throw Problem(description: "the NAS-Bench-201 cell priors \(fileName) are not installed; looked in: "
                          + DefaultModels.candidates(fileNamed: fileName, environment: environment).map(\.path)
                            .joined(separator: ", "))
        }
        return try load(from: url)
    }

    /// Pretty, key-sorted JSON (a reviewable diff when the priors are rebuilt).
    package func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }
}
