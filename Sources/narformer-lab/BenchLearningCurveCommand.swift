import ArgumentParser
import Config
import Engine
import Foundation
import Inbox
import Lab
import Learning

/// `narformer bench learning-curve`: the learning curves of docs/continual-learning.md.
/// Without `--new-platform` or `--new-families`: a starting model (the shipped default
/// latency model unless `--model`) fed the latency list in drops: the whole list, or with
/// `--drops` a new machine's first measurements, judged on all its other networks. With
/// `--new-platform`: for each family, a model trained without that family starts a new
/// platform that is fed only that family's measurements. With `--new-families`: a known
/// platform that measured the other families before (its model's training data) is fed
/// `--per-family` networks of each new family; the old families are judged as well.
/// Every retrain uses the retrainer's default recipe unless an option changes it.
struct BenchLearningCurveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learning-curve",
        abstract: "Feed measurement drops through the daemon's intake and retrainer; holdout MAPE after every retrain.",
        discussion: """
        Every drop is a .yaml measurement file naming ONNX files of the list, stored by the \
        daemon's measurement intake; after each drop the platform is retrained (promotion gate, \
        hash holdout). The active model is scored on a fixed set: every fed network on the \
        holdout side of the hash rule. FLOPs+MAC is fitted on the same training-side measurements.
        """
    )

    @Option(help: "The latency list (NNLQP format).")
    var data = "data/latency/gt.txt"

    @Option(help: "Starting model of the whole-list curve (default: the shipped default latency model).")
    var model: String?

    @Option(help: "Families (comma-separated): for each, a new platform starting from <start-models>/without-<family>.safetensors, fed only that family.")
    var newPlatform: String?

    @Option(help: "Folder of the models trained without a family (see --new-platform).")
    var startModels = "."

    @Option(help: "Families (comma-separated) that --model never saw: the platform's other families are measured before, then --per-family networks of each of these arrive.")
    var newFamilies: String?

    @Option(help: "Networks of each new family measured (see --new-families).")
    var perFamily = 20

    @Flag(help: "With --new-families: the platform has no measurements of the other families (they are scored, never delivered), as when a lab measures only its new networks.")
    var onlyNew = false

    @Option(help: "Measurements per drop (default: 50; 10 with --new-platform).")
    var dropSize: Int?

    @Option(help: "At most this many drops per curve (default: until the networks run out).")
    var drops: Int?

    @Option(help: "Epochs per retrain (the config's retraining.epochs).")
    var epochs = RetrainingConfig.defaultEpochs

    @Option(help: "Peak learning rate of a retrain.")
    var lr = RetrainingConfig.defaultLearningRate

    @Option(help: "Batch size of a retrain.")
    var batch = RetrainingConfig.defaultBatchSize

    @Option(help: "L2-SP strength of a retrain's fine-tune: the weights are pulled toward the start model's (0: none).")
    var startPenalty = CandidateTraining.Plan.defaultStartPenalty

    @Option(help: "Share of networks the hash holdout keeps out of training.")
    var holdoutShare = RetrainingConfig.defaultHoldoutShare

    @Option(help: "Held-out networks a retrain must be judged on before it may promote (the config's retraining.promotion.min_holdout).")
    var minHoldout = PromotionRule.defaultMinHoldout

    @Option(help: "Fixed-holdout networks from which the holdout judges a retrain instead of cross-validation (the config's retraining.promotion.cross_validate_below; default: the config's).")
    var crossValidateBelow: Int?

    @Option(help: "Other models (comma-separated paths) a platform may start from besides --model, chosen by how close their predictions lie to its measurements after one scale, as for a platform without a model named for it; the daemon serves --model until a version is promoted.")
    var priors: String?

    @Option(help: "What each retrain starts from (the config's retraining.init): active, default or scratch.")
    var initialWeights = RetrainingConfig.defaultInitialWeights.rawValue

    @Option(help: "Seeds (comma-separated) of the orders the measurements arrive in: one curve each.")
    var seeds = "0"

    @Option(help: "Compare orders on one new platform fed the whole list from --model (default: the shipped cpu-ort-1t model): the order narformer suggest gives, drop by drop, against this many seeded random orders (seeds 1 to N), all scored on the same fixed set (every listed network on the holdout side).")
    var suggestedVsRandom: Int?

    @Option(help: "With --suggested-vs-random: how the suggested order is planned: coverage (novelty-weighted coverage of sizes and op mixes, what narformer suggest does), rate-design-novelty (the networks that most reduce the novelty-weighted uncertainty of the others' predictions under a rate correction) or rate-design (the same, every network counting alike).")
    var suggestionMethod = SuggestionMethod.product.rawValue

    @Option(help: "OpenBLAS threads.")
    var threads = 1

    @Option(help: "Where the SVG figure goes (none when absent).")
    var svg: String?

    @Option(help: "Folder for the runs' stores, inboxes and model versions (default: a fresh temporary folder).")
    var work: String?

    @Flag(help: "Print the curves as one JSON object instead of tables.")
    var json = false

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let dropSize, dropSize < 1 { throw ValidationError("--drop-size must be at least 1") }
        if let drops, drops < 1 { throw ValidationError("--drops must be at least 1") }
        if epochs < 0 { throw ValidationError("--epochs must be 0 (no fine-tuning) or more") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number") }
        if !(holdoutShare > 0 && holdoutShare < 1) { throw ValidationError("--holdout-share must lie strictly between 0 and 1") }
        if minHoldout < 1 { throw ValidationError("--min-holdout must be at least 1") }
        if perFamily < 1 { throw ValidationError("--per-family must be at least 1") }
        if newFamilies != nil, newPlatform != nil { throw ValidationError("--new-families and --new-platform are two different scenarios") }
        if newFamilies != nil, model == nil {
            throw ValidationError("--new-families needs --model: a model trained without those families")
        }
        if seedList == nil { throw ValidationError("--seeds must be comma-separated whole numbers") }
        if !(startPenalty >= 0 && startPenalty.isFinite) { throw ValidationError("--start-penalty must be 0 or a positive number") }
        if SuggestionMethod(rawValue: suggestionMethod) == nil {
            throw ValidationError("--suggestion-method must be " + SuggestionMethod.allCases.map(\.rawValue).joined(separator: " or "))
        }
        if suggestedVsRandom != nil, priors != nil {
            // The suggestions read the starting model's tokens; a version grown from a
            // prior of another encoding could not be asked.
            throw ValidationError("--priors cannot be combined with --suggested-vs-random")
        }
        if let suggestedVsRandom, suggestedVsRandom < 1 || newPlatform != nil || newFamilies != nil {
            throw ValidationError("--suggested-vs-random needs at least 1 random order and neither --new-platform nor --new-families")
        }
    }

    private var seedList: [UInt64]? {
        let parts = seeds.split(separator: ",").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        return parts.isEmpty || parts.contains(nil) ? nil : parts.compactMap { $0 }
    }

    func run() async throws {
        BLASThreads.set(threads)
        let families = newPlatform.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        var settings = LatencyLearningCurve.Settings()
        settings.dropSize = dropSize ?? (families == nil ? 50 : 10)
        settings.maxDrops = drops
        settings.epochs = epochs
        settings.batchSize = batch
        settings.learningRate = lr
        settings.holdoutShare = holdoutShare
        settings.minHoldout = minHoldout
        settings.crossValidateBelow = crossValidateBelow
        settings.priors = (priors ?? "").split(separator: ",").map { URL(fileURLWithPath: String($0)) }
        for prior in settings.priors where !FileManager.default.fileExists(atPath: prior.path) {
            throw ValidationError("--priors: \(prior.path) does not exist")
        }
        guard let start = InitialWeights(rawValue: initialWeights) else {
            throw ValidationError("--initial-weights must be one of: \(InitialWeights.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        settings.initialWeights = start
        settings.seed = seedList?.first ?? 0
        settings.startPenalty = startPenalty
        if let suggestedVsRandom {
            let comparison: SuggestedVersusRandom
            do {
                comparison = try await compareOrders(randomOrders: suggestedVsRandom, settings: settings)
            } catch {
                throw LatencyLearningCurve.Failure(description: "\(error)")
            }
            if json {
                print(String(decoding: try LearningCurveReport(settings: settings, curves: [comparison.suggested] + comparison.random).json(),
                             as: UTF8.self))
            } else {
                print(comparison.table())
            }
            if let svg {
                let chart = comparison.chart(title: "New platform: suggested vs random measurement orders (fixed holdout MAPE)")
                do { try chart.svg().write(toFile: svg, atomically: true, encoding: .utf8) } catch {
                    throw ValidationError("cannot write the figure \(svg): \(error.localizedDescription)")
                }
            }
            return
        }
        let curves: [LatencyLearningCurve.Curve]
        do {
            curves = try await measure(families: families, settings: settings)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw LatencyLearningCurve.Failure(description: "\(error)")
        }
        if json {
            print(String(decoding: try LearningCurveReport(settings: settings, curves: curves).json(), as: UTF8.self))
        } else {
            for curve in curves { print(Self.table(curve)) }
        }
        if let svg {
            let chart = Self.chart(curves, newPlatform: families != nil, newFamilies: newFamilies != nil)
            do {
                try chart.svg().write(toFile: svg, atomically: true, encoding: .utf8)
            } catch {
                throw ValidationError("cannot write the figure \(svg): \(error.localizedDescription)")
            }
            if !json { print("figure: \(svg)") }
        }
    }

    /// One curve to run: its name, starting model, the networks fed (positions in the
    /// subset list), the platform's earlier networks, the other networks judged, the seed.
    private struct Run {
        var name: String
        var model: URL
        var fed: [Int]
        var earlier: [Int] = []
        var alsoJudged: [Int] = []
        var seed: UInt64
        var deliverEarlier = true
    }

    private func measure(families: [String]?, settings: LatencyLearningCurve.Settings) async throws -> [LatencyLearningCurve.Curve] {
        let list = try LatencyList.load(from: URL(fileURLWithPath: data))
        let known = Set(list.families)
        let newFamilyNames = newFamilies.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        for family in (families ?? []) + (newFamilyNames ?? []) where !known.contains(family) {
            throw LatencyLearningCurve.Failure(description: "\(data) has no family '\(family)' (it has: "
                                               + list.families.joined(separator: ", ") + ")")
        }
        let wanted = families.map { names in list.records.indices.filter { names.contains(list.records[$0].family) } }
            ?? Array(list.records.indices)
        // Tokens and costs of the networks fed (the fixed set is scored with them, the
        // baseline fitted on their costs); the intake imports the files itself.
        let subset = LatencyList(source: list.source, records: wanted.map { list.records[$0] })
        let seeds = seedList ?? [0]
        // Every starting model is found before anything is imported or trained.
        var runs: [Run] = []
        if let families {
            for family in families {
                let start = URL(fileURLWithPath: startModels).appendingPathComponent("without-\(family).safetensors")
                guard FileManager.default.isReadableFile(atPath: start.path) else {
                    throw LatencyLearningCurve.Failure(description: "the starting model \(start.path) is missing; train it with: "
                        + "narformer train --data \(data) --exclude-families \(family) --encoding costs --readout node-cost "
                        + "--epochs 15 --batch 16 --lr 1e-3 --hidden 128 --seed 0 --out \(start.path)")
                }
                let indices = subset.records.indices.filter { subset.records[$0].family == family }
                for seed in seeds {
                    runs.append(Run(name: seeds.count > 1 ? "\(family)-seed\(seed)" : family, model: start, fed: indices, seed: seed))
                }
            }
        } else {
            let start = try model.map { URL(fileURLWithPath: $0) } ?? DefaultModels.url(for: .latency)
            for seed in seeds {
                if let newFamilyNames {
                    // Each new family's first `perFamily` networks in a seeded order are measured;
                    // the rest of them, never fed, are judged.
                    var generator = SplitMix64(seed: seed)
                    var fed: [Int] = [], rest: [Int] = []
                    for family in newFamilyNames {
                        let members = subset.records.indices.filter { subset.records[$0].family == family }.shuffled(using: &generator)
                        fed += members.prefix(perFamily)
                        rest += members.dropFirst(perFamily)
                    }
                    let earlier = subset.records.indices.filter { !newFamilyNames.contains(subset.records[$0].family) }
                    runs.append(Run(name: "new-families-seed\(seed)", model: start, fed: fed, earlier: earlier, alsoJudged: rest,
                                    seed: seed, deliverEarlier: !onlyNew))
                } else {
                    runs.append(Run(name: seeds.count > 1 ? "seed\(seed)" : "all", model: start, fed: Array(subset.records.indices),
                                    seed: seed))
                }
            }
        }
        if !json { FileHandle.standardError.write(Data("importing \(subset.records.count) networks (token cache)...\n".utf8)) }
        let workDirectory = work.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("narformer-curve-\(ProcessInfo.processInfo.processIdentifier)")
        defer { if work == nil { try? FileManager.default.removeItem(at: workDirectory) } }
        let log: (Int, RetrainReport) -> Void = { fed, report in
            if !json { FileHandle.standardError.write(Data("  \(fed) measurements: \(report.summary)\n".utf8)) }
        }
        var curves: [LatencyLearningCurve.Curve] = []
        // Each starting model is scored on tokens of the encoding it reads.
        var datasets: [String: TrainingDataset] = [:]
        for run in runs {
            let stored = try TrainedModel.load(from: run.model).metadata.tokenEncoding
            let dataset = try datasets[stored] ?? TrainingDataset.latency(subset, readBy: run.model, storedEncoding: stored)
            datasets[stored] = dataset
            var runSettings = settings
            runSettings.seed = run.seed
            let curve = try LatencyLearningCurve(list: subset, dataset: dataset, settings: runSettings)
            if !json { FileHandle.standardError.write(Data("curve \(run.name) from \(run.model.path)\n".utf8)) }
            // New families arrive at a known platform: the one its starting model was made for.
            let known = newFamilies == nil ? nil : try TrainedModel.load(from: run.model).metadata.platform
            curves.append(try await curve.run(name: run.name, indices: run.fed, earlier: run.earlier,
                                              deliverEarlier: run.deliverEarlier, alsoJudged: run.alsoJudged,
                                              startingModel: run.model, platform: known.flatMap { $0.isEmpty ? nil : $0 },
                                              workDirectory: workDirectory, progress: log))
        }
        return curves
    }

    /// The suggested order and `randomOrders` random ones, each a fresh platform fed the
    /// whole list from the same starting model, scored on one fixed set.
    private func compareOrders(randomOrders: Int, settings: LatencyLearningCurve.Settings) async throws -> SuggestedVersusRandom {
        let list = try LatencyList.load(from: URL(fileURLWithPath: data))
        let start = try model.map { URL(fileURLWithPath: $0) } ?? DefaultModels.url(for: .latency)
        let dataset = try TrainingDataset.latency(list, readBy: start,
                                                  storedEncoding: try TrainedModel.load(from: start).metadata.tokenEncoding)
        // The fixed set: every listed network whose graph hash falls on the holdout side.
        let split = HoldoutSplit(share: settings.holdoutShare)
        let evaluation = try list.records.indices.filter { index in
            let record = list.records[index]
            return split.isHoldout(graphHash: try NetworkImporter.importFile(at: record.onnxFile, batchSize: record.batchSize).contentHash)
        }
        let workDirectory = work.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("narformer-curve-\(ProcessInfo.processInfo.processIdentifier)")
        defer { if work == nil { try? FileManager.default.removeItem(at: workDirectory) } }
        let curve = try LatencyLearningCurve(list: list, dataset: dataset, settings: settings)
        let indices = Array(list.records.indices)
        let log: (Int, RetrainReport) -> Void = { fed, report in
            if !json { FileHandle.standardError.write(Data("  \(fed) measurements: \(report.summary)\n".utf8)) }
        }
        if !json { FileHandle.standardError.write(Data("suggested order, fixed set \(evaluation.count) networks\n".utf8)) }
        let suggested = try await curve.run(name: "suggested", indices: indices, startingModel: start, workDirectory: workDirectory,
                                            suggested: SuggestedMeasurementOrder(dataset: dataset, method: SuggestionMethod(rawValue: suggestionMethod) ?? .product),
                                            evaluation: evaluation,
                                            progress: log)
        var random: [LatencyLearningCurve.Curve] = []
        for order in 1...randomOrders {
            var seeded = settings
            seeded.seed = UInt64(order)
            if !json { FileHandle.standardError.write(Data("random order \(order)\n".utf8)) }
            random.append(try await LatencyLearningCurve(list: list, dataset: dataset, settings: seeded)
                .run(name: "random-\(order)", indices: indices, startingModel: start, workDirectory: workDirectory,
                     evaluation: evaluation, progress: log))
        }
        return SuggestedVersusRandom(suggested: suggested, random: random)
    }

    static func table(_ curve: LatencyLearningCurve.Curve) -> String {
        func percent(_ value: Double?) -> String { value.map { String(format: "%7.2f%%", $0) } ?? "       -" }
        var out = "\(curve.name): \(curve.networks) networks, fixed evaluation set \(curve.evaluated), "
            + "starting model \(curve.startingModel): MAPE \(percent(curve.start.mape)), "
            + String(format: "Acc10 %.1f%%, rho %.3f\n", curve.start.acc10, curve.start.spearman)
        if let earlier = curve.earlierStart {
            out += "earlier networks judged: \(curve.earlierEvaluated), starting model MAPE \(percent(earlier.mape))\n"
        }
        out += "measurements  trained  gate-holdout  decision  candidate(gate)  compared(gate)  active   MAPE     Acc10    rho     FLOPs+MAC MAPE  retrain s"
            + (curve.earlierStart == nil ? "\n" : "  earlier MAPE\n")
        for point in curve.points {
            out += String(format: "%12d  %7d  %12d  ", point.measurements, point.trained, point.gateHoldout)
                + String(point.decision.prefix(8)).padding(toLength: 8, withPad: " ", startingAt: 0)
                + "  " + percent(point.candidateGateMAPE) + "         " + percent(point.comparedGateMAPE)
                + String(format: "        v%-5d %@  %6.1f%%  %6.3f  %@       %7.1f\n", point.activeVersion, percent(point.model.mape),
                         point.model.acc10, point.model.spearman, percent(point.flopsMac?.mape), point.retrainSeconds)
            if curve.earlierStart != nil { out = String(out.dropLast()) + "  " + percent(point.earlier?.mape) + "\n" }
        }
        out += "under 10% MAPE after: model "
            + (curve.measurementsUntilModel(under: 10).map { "\($0) measurements" } ?? "never")
            + ", FLOPs+MAC " + (curve.measurementsUntilFlopsMac(under: 10).map { "\($0) measurements" } ?? "never") + "\n"
        return out
    }

    static func chart(_ curves: [LatencyLearningCurve.Curve], newPlatform: Bool, newFamilies: Bool = false) -> LearningCurveChart {
        var series: [LearningCurveChart.Series] = []
        for (i, curve) in curves.enumerated() {
            let color = LearningCurveChart.palette[i % LearningCurveChart.palette.count]
            let model = [(x: 0.0, y: curve.start.mape)] + curve.points.map { (x: Double($0.measurements), y: $0.model.mape) }
            let baseline = curve.points.compactMap { point in point.flopsMac.map { (x: Double(point.measurements), y: $0.mape) } }
            let several = curves.count > 1
            let label = newPlatform || several ? curve.name : "active model"
            series.append(.init(label: newFamilies ? "\(curve.name): new families" : label, color: color, points: model))
            if newFamilies, let start = curve.earlierStart {
                let earlier = [(x: 0.0, y: start.mape)]
                    + curve.points.compactMap { point in point.earlier.map { (x: Double(point.measurements), y: $0.mape) } }
                series.append(.init(label: "\(curve.name): old families", color: color, dashed: true, points: earlier))
                continue
            }
            series.append(.init(label: newPlatform || several ? "\(curve.name) FLOPs+MAC" : "FLOPs+MAC", color: color, dashed: true,
                                points: baseline))
            if !newPlatform, !several {
                let rejected = curve.points.filter { $0.decision == "rejected" }
                    .compactMap { point in point.candidateGateMAPE.map { (x: Double(point.measurements), y: $0) } }
                series.append(.init(label: "rejected candidates (gate holdout)", color: "#d62728", markersOnly: true,
                                    points: rejected))
            }
        }
        let title = newFamilies
            ? "New families on a known platform (MAPE on networks never trained on)"
            : newPlatform
            ? "New platform: a family left out of the model, then measured (holdout MAPE)"
            : curves.count > 1
            ? "A new machine from a prior (MAPE on its networks never trained on)"
            : "Default model fed all of gt.txt in drops (holdout MAPE)"
        return LearningCurveChart(title: title, series: series)
    }
}
