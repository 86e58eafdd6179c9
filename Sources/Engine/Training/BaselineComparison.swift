/// The two least-squares yardsticks, fitted on one data set and predicting another, so
/// `narformer eval --baseline` scores them on exactly the samples the model is scored on.
public enum BaselineKind: String, Sendable, CaseIterable {
    /// latency ~ FLOPs + memory access + 1 (the paper's FLOPs+MAC column), one fit.
    case flopsMac = "flops-mac"
    /// 30 one-hot edge operations + bias, one fit per family (per device for cells on devices).
    case nb201Ops = "nb201-ops"

    /// Fits on `fit` and predicts every sample of `test`, in order.
    public func predictions(fit: TrainingDataset, test: TrainingDataset) throws -> [Double] {
        guard !fit.samples.isEmpty else {
            throw TrainingError("the \(rawValue) baseline has nothing to fit on: every sample of the file is being scored (select a subset, e.g. --holdout every-fifth, --families, --rows-from)")
        }
        switch self {
        case .flopsMac:
            let fitCosts = try fit.samples.map { try Self.costs($0) }
            let model = try FlopsMacBaseline(training: fitCosts, latencies: fit.targets)
            return try test.samples.map { model.predict(try Self.costs($0)) }
        case .nb201Ops:
            var models: [String: NB201OpCountBaseline] = [:]
            for family in Set(test.families) {
                let members = fit.samples.filter { $0.family == family }
                guard !members.isEmpty else {
                    throw TrainingError("the nb201-ops baseline has no cells of \(family) to fit on")
                }
                models[family] = try NB201OpCountBaseline(training: members.map { try Self.ops($0) },
                                                          targets: members.map(\.target))
            }
            return try test.samples.map { sample in
                guard let model = models[sample.family] else { throw TrainingError("no baseline fit for \(sample.family)") }
                return model.predict(try Self.ops(sample))
            }
        }
    }

    private static func costs(_ sample: TrainingSample) throws -> NetworkCostSummary {
        guard let costs = sample.costs else {
            throw TrainingError("the flops-mac baseline needs whole networks with costs; \(sample.name) is a cell (use --baseline nb201-ops)")
        }
        return costs
    }

    private static func ops(_ sample: TrainingSample) throws -> NB201EdgeOps {
        guard let cell = sample.cell else {
            throw TrainingError("the nb201-ops baseline needs NAS-Bench-201 cells; \(sample.name) is a network (use --baseline flops-mac)")
        }
        return try NB201EdgeOps(arch: cell.arch)
    }
}
