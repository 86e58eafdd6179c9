import ArgumentParser
import Engine
import Foundation
import Learning

/// The data set selection options `train` and `eval` share.
struct DatasetSelectionOptions: ParsableArguments {
    @Option(help: "A NAS-Bench-201 CSV column: cifar10_test (default), a device of latency.csv, several devices comma separated, or all-devices (one model, the device as an input).")
    var target: String?

    @Option(help: "Keep only these families (comma separated).")
    var families: String?

    @Option(help: "Drop these families (comma separated).")
    var excludeFamilies: String?

    @Option(help: "NAS-Bench-201: keep the cells whose index appears in this CSV.")
    var rowsFrom: String?

    @Option(help: "NAS-Bench-201: keep the cells whose index does not appear in this CSV.")
    var rowsNotIn: String?

    @Option(help: "NAS-Bench-201: keep the first K selected rows (781 = the 5% split of train.csv).")
    var firstRows: Int?

    @Option(help: "Hold out every fifth network of each family (train: trains on the rest; eval: scores the held-out fifth).")
    var holdout: String?

    func selection(side: DatasetSelection.Side) throws -> DatasetSelection {
        var s = DatasetSelection()
        s.target = target
        s.families = families.map(Self.list)
        s.excludeFamilies = excludeFamilies.map(Self.list) ?? []
        s.rowsFrom = rowsFrom.map { URL(fileURLWithPath: $0) }
        s.rowsNotIn = rowsNotIn.map { URL(fileURLWithPath: $0) }
        s.firstRows = firstRows
        if let holdout {
            guard let h = DatasetSelection.Holdout(rawValue: holdout) else {
                throw ValidationError("--holdout must be one of: \(DatasetSelection.Holdout.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            s.holdout = h
        }
        s.side = side
        return s
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// `narformer train`: trains a latency or accuracy model on a data set and writes the
/// kept (best on validation, else last) checkpoint.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a NAR-Former V2 model on a latency list or a NAS-Bench-201 CSV.",
        discussion: "Ctrl-C stops after the current step and keeps the best checkpoint so far; a second Ctrl-C quits at once."
    )

    @Option(help: "The training data: a latency list (NNLQP format) or a NAS-Bench-201 CSV.")
    var data: String

    @Option(help: "Where the checkpoint (.safetensors) goes.")
    var out: String

    @Option(help: "latency or accuracy (default: from the data set and --target).")
    var kind: String?

    @Option(help: "Epochs (default: 50 for latency, 200 for accuracy).")
    var epochs: Int?

    @Option(help: "Batch size (default: 16 for latency, 8 for accuracy).")
    var batch: Int?

    @Option(help: "Peak learning rate (default: 1e-3 for latency, 1e-4 for accuracy).")
    var lr: Float?

    @Option(help: "Seed of the initialisation, minibatch order and pairings.")
    var seed: UInt64 = 0

    @Option(help: "OpenBLAS threads.")
    var threads = 1

    @Option(help: "Start from this checkpoint instead of a fresh model (transfer).")
    var initModel: String?

    @Option(help: "Validation data set (the best epoch on it is kept).")
    var val: String?

    @Option(help: "Validate on this seeded random fraction of the training data instead.")
    var valSplit: Double?

    @Option(help: "Block width of a fresh model (default: 512 for latency lists, 128 for cells).")
    var hidden: Int?

    @Option(help: "Blocks of a fresh model (default: 2 for latency, 6 for accuracy).")
    var layers: Int?

    @Option(help: "Platform name stored in the checkpoint (default: the list's platform column, or the target column).")
    var platform: String?

    @Option(help: "How targets map to the network's output: log (default for latency), quantile (default for accuracy: targets spread by their rank), affine or ratio (the relative loss on target / median, or / --target-scale).")
    var targetTransform: String?

    @Option(help: "With the ratio transform: divide targets by this number instead of the training median (--recipe authors: 100 for accuracies, which the authors' code reads as fractions).")
    var targetScale: Double?

    @Option(help: "Weight of the SR (pairwise rank) loss (default: 0.1 for accuracy, 0 for latency).")
    var rankLoss: Float?

    @Option(help: "Weight of the AC (isomorphic re-ordering consistency) loss (default: 0.5 for accuracy, 0 for latency; cells only).")
    var consistencyLoss: Float?

    @Option(help: "Tokens of whole networks: baseline (the paper's tokens), costs (per-node log FLOPs, memory, params, sizes and grouping in front of the baseline columns; log totals as statics), costs2 (costs over the canonical graph with a 72-op table) or costs3 (costs2 with the canonical graph's own memory and parameter counts).")
    var encoding: String = TokenEncoding.baseline.rawValue

    @Option(help: "Head of a fresh latency model: paper (sum readout + static branch + MLP) or node-cost (per-node compute, memory and overhead terms summed per network; needs --encoding costs, costs2 or costs3; ratio targets).")
    var readout: String = "paper"

    @Option(help: "Main loss: relative (the authors' mean((p/y - 1)^2); default) or log (mean((ln p - ln y)^2); default for --readout node-cost).")
    var loss: String?

    @Option(help: "Whose training choices: narformer (this project's, the default) or authors (the authors' released code: nerf cell tokens, dropout also inside the feed-forward and in the static branch, main and SR losses over originals and isomorphic copies, torch_geometric's graph-layer bias init, ratio targets, accuracies as fractions). The four options below, --target-transform and --target-scale override one choice each.")
    var recipe: String = "narformer"

    @Option(help: "NAS-Bench-201 cell tokens: trans (this project's sinusoids) or nerf (the authors': linear frequencies times pi, op order conv1x1, conv3x3, avgpool, skip, none). Default: from --recipe.")
    var cellEncoding: String?

    @Option(help: "Dropout (same rate) also after the feed-forward's ReLU, after its down projection and between the static branch's Linear and ReLU: true or false. Default: from --recipe.")
    var feedForwardDropout: Bool?

    @Option(help: "Main and SR losses over the originals and their isomorphic copies (2B) instead of the originals only (cells with an AC loss): true or false. Default: from --recipe.")
    var lossesOverCopies: Bool?

    @Option(help: "Initial graph-layer biases (degree, qk, agg): thomas (U(+-1/sqrt(fan_out)), like every other linear) or torch-geometric (U(+-1/sqrt(fan_in))). Default: from --recipe.")
    var graphBiasInit: String?

    @Flag(help: "Do not train: write --init-model to --out with the novelty summary of the selected training data added (weights and metrics stay as they are). For checkpoints trained before summaries existed.")
    var summaryOnly = false

    @OptionGroup var selection: DatasetSelectionOptions

    /// The recipe's switches with the single-choice options applied.
    func switches() throws -> RecipeSwitches {
        guard var s = RecipeSwitches.named[recipe] else {
            throw ValidationError("--recipe must be one of: \(RecipeSwitches.named.keys.sorted().joined(separator: ", "))")
        }
        if let cellEncoding {
            guard let e = CellEncoding(rawValue: cellEncoding) else {
                throw ValidationError("--cell-encoding must be one of: \(CellEncoding.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            s.cellEncoding = e
        }
        if let feedForwardDropout { s.feedForwardAndStaticDropout = feedForwardDropout }
        if let lossesOverCopies { s.lossesOverCopies = lossesOverCopies }
        if let graphBiasInit {
            guard graphBiasInit == "thomas" || graphBiasInit == "torch-geometric" else {
                throw ValidationError("--graph-bias-init must be thomas or torch-geometric")
            }
            s.torchGeometricGraphBiases = graphBiasInit == "torch-geometric"
        }
        if let targetTransform { s.targetTransform = TargetTransform(rawValue: targetTransform) }
        return s
    }

    func validate() throws {
        _ = try switches()
        guard let tokenEncoding = TokenEncoding(rawValue: encoding) else {
            throw ValidationError("--encoding must be one of: \(TokenEncoding.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard readout == "paper" || readout == ModelConfig.Readout.nodeCost.rawValue else {
            throw ValidationError("--readout must be paper or node-cost")
        }
        if readout != "paper" {
            if tokenEncoding == .baseline {
                throw ValidationError("--readout node-cost reads the cost columns of --encoding costs, costs2 or costs3")
            }
            if let targetTransform, targetTransform != TargetTransform.ratio.rawValue {
                throw ValidationError("--readout node-cost predicts target / median directly: --target-transform must be ratio")
            }
            if initModel != nil { throw ValidationError("--readout shapes a fresh model; --init keeps the checkpoint's head") }
        }
        if let loss, RegressionLoss(rawValue: loss) == nil { throw ValidationError("--loss must be relative or log") }
        for (name, weight) in [("--rank-loss", rankLoss), ("--consistency-loss", consistencyLoss)] {
            if let weight, !(weight >= 0 && weight.isFinite) { throw ValidationError("\(name) must be a number of 0 or more") }
        }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1") }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number") }
        if let targetScale {
            if !(targetScale > 0 && targetScale.isFinite) { throw ValidationError("--target-scale must be a positive number") }
            if initModel != nil { throw ValidationError("--target-scale shapes a fresh model; --init-model keeps the checkpoint's scale") }
        }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if val != nil && valSplit != nil { throw ValidationError("give either --val or --val-split, not both") }
        if let valSplit, !(valSplit > 0 && valSplit < 1) { throw ValidationError("--val-split must be between 0 and 1") }
        if let kind, ModelConfig.Kind(rawValue: kind) == nil { throw ValidationError("--kind must be latency or accuracy") }
        if summaryOnly, initModel == nil { throw ValidationError("--summary-only adds a summary to the checkpoint named by --init-model") }
        if let targetTransform, TargetTransform(rawValue: targetTransform) == nil {
            throw ValidationError("--target-transform must be one of: \(TargetTransform.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        BLASThreads.set(threads)
        let dataURL = URL(fileURLWithPath: data)
        var trainSelection = try selection.selection(side: .train)
        if DatasetSelection.isNB201(dataURL), encoding != TokenEncoding.baseline.rawValue || readout != "paper" {
            throw ValidationError("--encoding and --readout apply to whole networks (latency lists), not to NAS-Bench-201 cells")
        }
        let kind = kind.flatMap(ModelConfig.Kind.init(rawValue:)) ?? trainSelection.defaultKind(for: dataURL)
        let switches = try switches()
        // The cell encoding applies to cells read for one target column; the recipe's choice
        // is left aside elsewhere, an explicit --cell-encoding there is an error.
        if DatasetSelection.isNB201(dataURL), try trainSelection.deviceList(dataURL) == nil {
            trainSelection.cellEncoding = switches.cellEncoding
        } else if let cellEncoding, cellEncoding != CellEncoding.trans.rawValue {
            throw ValidationError("--cell-encoding \(cellEncoding) applies to NAS-Bench-201 cells with one accuracy column as --target")
        }
        let reporter = ProgressReporter()
        var tokenEncoding = TokenEncoding(rawValue: encoding) ?? .baseline
        if summaryOnly, let initModel {
            // The summary describes the tokens the checkpoint reads, whatever --encoding says.
            let metadata = try CommandFailure.wrap { try Checkpoint.metadata(of: URL(fileURLWithPath: initModel)) }
            tokenEncoding = TokenEncoding(storedName: metadata.tokenEncoding) ?? tokenEncoding
        }
        trainSelection.encoding = tokenEncoding
        let nodeCost = readout == ModelConfig.Readout.nodeCost.rawValue
        let cache = TokenCache(encoding: tokenEncoding.storedName)
        var train = try CommandFailure.wrap { try trainSelection.load(dataURL, cache: cache).selected }
        var validation: TrainingDataset?
        if let val {
            var valSelection = trainSelection
            valSelection.holdout = nil
            valSelection.rowsFrom = nil
            valSelection.rowsNotIn = nil
            valSelection.firstRows = nil
            validation = try CommandFailure.wrap { try valSelection.load(URL(fileURLWithPath: val), cache: cache).selected }
        } else if let valSplit {
            let split = try CommandFailure.wrap { try DatasetSplitter.randomFraction(Array(train.samples.indices), fraction: valSplit, seed: seed) }
            validation = train.subset(split.test)
            train = train.subset(split.train)
        }
        if summaryOnly {
            let trained = try CommandFailure.wrap { try TrainedModel.load(from: URL(fileURLWithPath: initModel ?? "")) }
            try CommandFailure.wrap {
                try trained.summarizeTrainingNetworks(train.samples.map(\.graph))
                try trained.saveKeepingMetadata(to: URL(fileURLWithPath: out))
            }
            reporter.print("added the novelty summary of \(train.count) training networks to \(initModel ?? "") -> \(out)")
            return
        }
        var recipe = kind == .latency ? TrainingRecipe.latency(seed: seed) : TrainingRecipe.accuracy(epochs: 200, seed: seed)
        if let epochs { recipe.epochs = epochs }
        if let batch { recipe.batchSize = batch }
        if let lr { recipe.peakLearningRate = lr }
        if let rankLoss { recipe.rankLossWeight = rankLoss }
        if let consistencyLoss { recipe.consistencyLossWeight = consistencyLoss }
        recipe.lossesOverCopies = switches.lossesOverCopies

        let trained: TrainedModel
        if let initModel {
            trained = try CommandFailure.wrap { try TrainedModel.load(from: URL(fileURLWithPath: initModel)) }
            guard trained.kind == kind else {
                throw ValidationError("\(initModel) is a \(trained.kind.rawValue) model, this run trains a \(kind.rawValue) model")
            }
        } else {
            var config = try Self.config(kind: kind, sample: train.samples[0].graph, hidden: hidden, layers: layers,
                                         readout: nodeCost ? .nodeCost : nil)
            // nil, not false, when off: this project's checkpoints stay byte for byte as before.
            if switches.feedForwardAndStaticDropout { config.feedForwardAndStaticDropout = true }
            if let problem = config.problems.first { throw ValidationError("model shape: \(problem)") }
            let transform = switches.targetTransform ?? (nodeCost ? .ratio : kind == .latency ? .log : .quantile)
            let ratioScale = targetScale ?? switches.ratioScale(kind: kind, transform: transform)
            trained = try CommandFailure.wrap {
                try TrainingDriver.freshModel(config: config, seed: seed, for: train, platform: "", transform: transform,
                                              ratioScale: ratioScale)
            }
            if switches.torchGeometricGraphBiases { trained.model.initialiseGraphLayerBiasesAsTorchGeometric(seed: seed) }
        }
        trained.metadata.platform = platform ?? Self.platform(of: dataURL, selection: trainSelection, kind: kind)
        recipe.loss = loss.flatMap(RegressionLoss.init(rawValue:)) ?? .standard(for: trained.model.config)

        let stop = TrainingStopFlag()
        let interrupts = InterruptHandler(stopping: stop) { _ in
            FileHandle.standardError.write(Data("\nstopping after this step; the best checkpoint so far is kept (Ctrl-C again to quit now)\n".utf8))
        }
        defer { interrupts.cancel() }
        let driver = TrainingDriver(recipe: recipe, stopFlag: stop, progress: reporter)
        reporter.print("training a \(kind.rawValue) model (\(trained.model.parameterCount) parameters) on \(train.count) samples"
            + (validation.map { ", validating on \($0.count)" } ?? "")
            + ": \(recipe.epochs) epochs, batch \(recipe.batchSize), peak lr \(recipe.peakLearningRate), seed \(recipe.seed), \(threads) thread(s)")
        let outURL = URL(fileURLWithPath: out)
        let result = try CommandFailure.wrap { try driver.run(trained, train: train, validation: validation, checkpoint: outURL) }
        guard let kept = result.keptEpoch else {
            reporter.print("stopped before the first epoch ended; nothing was written")
            throw ExitCode(130)
        }
        // The kept checkpoint carries the summary of the networks it was trained on.
        try CommandFailure.wrap {
            let kept = try TrainedModel.load(from: outURL)
            try kept.summarizeTrainingNetworks(train.samples.map(\.graph), seed: seed)
            try kept.saveKeepingMetadata(to: outURL)
        }
        var summary = "\(result.interrupted ? "stopped" : "done") after \(result.epochsCompleted) epoch(s), \(result.steps) steps, "
            + "\(ProgressReporter.duration(result.seconds)); "
            + (result.interrupted && validation == nil ? "kept the latest weights" : "kept epoch \(kept)") + " -> \(out)"
        if let v = result.validation {
            summary += "\n" + MetricsTable.render([(label: "validation", metrics: v)])
        }
        reporter.print(summary)
        if result.interrupted { throw ExitCode(130) }
    }

    /// A fresh model's shape: the paper's for whole networks; for cells a narrower one
    /// (the paper's 6 x 512 accuracy model is 13x the compute for the same 8-node graphs).
    static func config(kind: ModelConfig.Kind, sample: TokenGraph, hidden: Int?, layers: Int?,
                       readout: ModelConfig.Readout? = nil) throws -> ModelConfig {
        var config: ModelConfig
        let isCell = sample.tokenDim == NB201Cell.tokenDim
        switch kind {
        case .latency:
            config = ModelConfig.paperLatency
            config.inDim = sample.tokenDim
            config.staticDim = max(1, sample.staticFeatures.count)
            if isCell { config.hidden = 128; config.fcHidden = 128 }
        case .accuracy:
            config = ModelConfig.paperAccuracy(inDim: sample.tokenDim)
            config.hidden = 128
            config.fcHidden = 128
        }
        if let hidden { config.hidden = hidden; config.fcHidden = hidden }
        if let layers { config.layers = layers }
        if let readout { config.readout = readout }
        if let problem = config.problems.first { throw ValidationError("model shape: \(problem)") }
        if kind == .latency, sample.staticFeatures.isEmpty {
            throw ValidationError("a latency model needs static features; for NAS-Bench-201 cells give --target as a device list or all-devices")
        }
        return config
    }

    static func platform(of data: URL, selection: DatasetSelection, kind: ModelConfig.Kind) -> String {
        if DatasetSelection.isNB201(data) { return selection.target ?? NB201Table.defaultTarget }
        if let list = try? LatencyList.load(from: data), let p = list.records.first?.platform { return p }
        return kind == .latency ? "unknown" : "nb201"
    }
}

/// A command that failed at run time, with the reason in plain words (printed by
/// ArgumentParser as `Error: ...`, without the usage text a ValidationError brings).
/// Turns any error of the engine into a `CommandFailure` carrying its description.
