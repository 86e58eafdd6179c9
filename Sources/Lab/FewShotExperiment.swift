import Engine
import Foundation
import Inbox
import Learning

/// The HELP setting (a new device from few samples) on NAS-Bench-201 latencies: for each
/// device in turn, pretrain a cell model on the other devices, then adapt it to the device
/// from `k` measured cells and judge it on all its other cells.
///
/// Devices differ in scale by orders of magnitude, so pretraining learns a device-free
/// relative cost: each device's latencies are divided by their mean over the pretraining
/// cells. Adapting to the new device = (1) its scale, the geometric mean of measured over
/// predicted on the `k` cells, then (2) fine-tuning on those cells at that scale, the same
/// training loop a retrain uses (`CandidateTraining`, i.e. Engine's `TrainingDriver`).
package struct FewShotExperiment {
    package struct Settings: Sendable {
        /// The cell model pre-trained on the known devices and fine-tuned on the new one.
        package static let cellModel = ModelConfig(kind: .accuracy, inDim: NB201Cell.tokenDim, hidden: 64, layers: 2,
                                                   groups: 8, ffnRatio: 2, fcHidden: 64, staticDim: 0, readout: .mean,
                                                   dropout: 0)
        package var pretrainCells = 400
        package var pretrainEpochs = 6
        package var fineTuneEpochs = 30
        package var shots = [10, 20, 50]
        package var model = Settings.cellModel
        package var seed: UInt64 = 7

        package init(pretrainCells: Int = 400, pretrainEpochs: Int = 6, fineTuneEpochs: Int = 30, shots: [Int] = [10, 20, 50], model: ModelConfig = Settings.cellModel, seed: UInt64 = 7) {
            self.pretrainCells = pretrainCells
            self.pretrainEpochs = pretrainEpochs
            self.fineTuneEpochs = fineTuneEpochs
            self.shots = shots
            self.model = model
            self.seed = seed
        }
    }

    package struct Result: Sendable, Codable {
        package var device: String
        package var shots: Int
        /// The other device transferred from.
        package var source: String
        /// Spearman's rho and MAPE (percent) on the device's other cells.
        package var scaledRho: Double
        package var scaledMAPE: Double
        package var fineTunedRho: Double
        package var fineTunedMAPE: Double
        package var evaluated: Int
    }

    /// `latency`: the table of every device column; `pretrainPool`: the cell indices
    /// pretraining and the `k` shots are drawn from (train.csv's cells).
    package let settings: Settings
    package let devices: [String: [Int: Double]]
    package let archs: [Int: String]
    package let pretrainPool: [Int]

    package init(latencyCSV: URL, trainCSV: URL, settings: Settings) throws {
        self.settings = settings
        let first = try NB201Table.load(from: latencyCSV, target: try Self.firstDevice(latencyCSV))
        var devices: [String: [Int: Double]] = [:]
        for device in first.availableTargets {
            let table = try NB201Table.load(from: latencyCSV, target: device)
            devices[device] = Dictionary(uniqueKeysWithValues: table.rows.map { ($0.index, $0.target) })
        }
        self.devices = devices
        archs = Dictionary(uniqueKeysWithValues: first.rows.map { ($0.index, $0.arch) })
        let trainIndices = try NB201Table.indices(in: trainCSV)
        pretrainPool = first.rows.map(\.index).filter { trainIndices.contains($0) }.sorted()
    }

    private static func firstDevice(_ url: URL) throws -> String {
        let header = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
        guard let device = header.split(separator: ",").map(String.init).first(where: { $0 != "index" && $0 != "arch" }) else {
            throw Retrainer.Failure(description: "\(url.path) has no device columns")
        }
        return device
    }

    /// Token graphs of every cell, by index.
    package func cellTokens() throws -> [Int: TokenGraph] {
        try Dictionary(uniqueKeysWithValues: archs.map { ($0.key, try NB201Cell(arch: $0.value).tokenGraph()) })
    }

    /// The pretraining pool in this run's seeded order: the first `pretrainCells` pretrain,
    /// the rest are where shots come from.
    package func shuffledPool() -> [Int] {
        var generator = SplitMix64(seed: settings.seed)
        return pretrainPool.shuffled(using: &generator)
    }

    /// A model of relative cell cost, trained on every device but `device` (each device's
    /// latencies divided by their mean over the pretraining cells).
    package func pretrain(excluding device: String, tokens: [Int: TokenGraph]) throws -> NARFormerModel {
        let pretrainIndices = Array(shuffledPool().prefix(settings.pretrainCells))
        var pretrain: [MeasuredSample] = []
        for (other, values) in devices where other != device {
            let mean = pretrainIndices.compactMap { values[$0] }.reduce(0, +) / Double(pretrainIndices.count)
            for index in pretrainIndices {
                guard let value = values[index], let graph = tokens[index] else { continue }
                pretrain.append(MeasuredSample(measurementID: "\(other)/\(index)", graphHash: "\(index)", graph: graph,
                                               latencyMs: Float(value / mean)))
            }
        }
        pretrain.sort { $0.measurementID < $1.measurementID }
        let base = try NARFormerModel(config: settings.model, seed: settings.seed)
        try CandidateTraining.train(base, on: pretrain, plan: .init(epochs: settings.pretrainEpochs, batchSize: 32,
                                                                     learningRate: 1e-3, seed: settings.seed))
        return base
    }

    /// One model per device of relative cell cost on that device alone (latencies divided
    /// by their mean over the pretraining cells).
    package func pretrainPerDevice(tokens: [Int: TokenGraph]) throws -> [String: NARFormerModel] {
        let pretrainIndices = Array(shuffledPool().prefix(settings.pretrainCells))
        var models: [String: NARFormerModel] = [:]
        for (device, values) in devices.sorted(by: { $0.key < $1.key }) {
            let mean = pretrainIndices.compactMap { values[$0] }.reduce(0, +) / Double(pretrainIndices.count)
            let samples = pretrainIndices.compactMap { index -> MeasuredSample? in
                guard let value = values[index], let graph = tokens[index] else { return nil }
                return MeasuredSample(measurementID: "\(index)", graphHash: "\(index)", graph: graph,
                                      latencyMs: Float(value / mean))
            }
            let model = try NARFormerModel(config: settings.model, seed: settings.seed)
            try CandidateTraining.train(model, on: samples, plan: .init(epochs: settings.pretrainEpochs, batchSize: 32,
                                                                        learningRate: 1e-3, seed: settings.seed))
            models[device] = model
        }
        return models
    }

    /// Adapts to `device` from k shots: picks the other device whose model ranks the shot
    /// cells most like the measurements (the shots act as HELP's hardware embedding), fits
    /// the scale, fine-tunes a copy on the shots, and judges on the device's other cells.
    package func run(device: String, sources: [String: NARFormerModel], tokens: [Int: TokenGraph]) throws -> [Result] {
        let pool = shuffledPool()
        guard let target = devices[device] else { throw Retrainer.Failure(description: "no device \(device)") }
        var results: [Result] = []
        let shotPool = pool.dropFirst(settings.pretrainCells).filter { target[$0] != nil }
        for k in settings.shots {
            let shots = Array(shotPool.prefix(k))
            let shotSet = Set(shots)
            func samples(_ indices: [Int]) -> [MeasuredSample] {
                indices.compactMap { index in
                    guard let graph = tokens[index], let value = target[index] else { return nil }
                    return MeasuredSample(measurementID: "\(index)", graphHash: "\(index)", graph: graph,
                                          latencyMs: Float(value))
                }
            }
            let evaluation = target.keys.filter { !shotSet.contains($0) }.sorted()
            let shotSamples = samples(shots)
            let candidates = try sources.filter { $0.key != device }.sorted { $0.key < $1.key }.map { name, model in
                (name, model, Metrics.spearman(try CandidateTraining.predict(model, shotSamples),
                                               shotSamples.map { Double($0.latencyMs) }))
            }
            guard let best = candidates.max(by: { ($0.2.isNaN ? -2 : $0.2) < ($1.2.isNaN ? -2 : $1.2) }) else {
                throw Retrainer.Failure(description: "no other device to transfer from")
            }
            let model = try copy(best.1)
            let evalSamples = samples(evaluation)
            let measured = evalSamples.map { Double($0.latencyMs) }
            let shotPredicted = try CandidateTraining.predict(model, shotSamples)
            let logRatios = zip(shotSamples, shotPredicted).map { log(Double($0.latencyMs) / max($1, 1e-6)) }
            let scale = exp(logRatios.reduce(0, +) / Double(logRatios.count))
            let scaled = try CandidateTraining.predict(model, evalSamples).map { $0 * scale }
            let scaledMetrics = EvaluationMetrics(predicted: scaled, measured: measured)
            let normalisedShots = shotSamples.map { sample -> MeasuredSample in
                var copy = sample
                copy.latencyMs = Float(Double(sample.latencyMs) / scale)
                return copy
            }
            try CandidateTraining.train(model, on: normalisedShots,
                                        plan: .init(epochs: settings.fineTuneEpochs, batchSize: 10, learningRate: 1e-4,
                                                    seed: settings.seed &+ UInt64(k)))
            let tuned = try CandidateTraining.predict(model, evalSamples).map { $0 * scale }
            let tunedMetrics = EvaluationMetrics(predicted: tuned, measured: measured)
            results.append(Result(device: device, shots: k, source: best.0, scaledRho: scaledMetrics.spearman,
                                  scaledMAPE: scaledMetrics.mape * 100, fineTunedRho: tunedMetrics.spearman,
                                  fineTunedMAPE: tunedMetrics.mape * 100, evaluated: evalSamples.count))
        }
        return results
    }

    private func copy(_ model: NARFormerModel) throws -> NARFormerModel {
        let twin = try NARFormerModel(config: model.config, seed: 0)
        for entry in model.parameterTable.entries {
            if let values = model.tensor(named: entry.name) { try twin.setTensor(named: entry.name, values: values) }
        }
        return twin
    }
}
