import ArgumentParser
import Engine
import Foundation
import Learning

/// `narformer-lab replay-anchors`: picks the networks a shipped latency model replays when it
/// is fine-tuned (`ReplayAnchors`), from the list it was trained on (`make train-defaults`).
struct ReplayAnchorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay-anchors",
        abstract: "Write the replay anchors of a latency model: a seeded sample of each family of its training list, in the model's token encoding, and the hashes of every network of the list it was trained on."
    )

    @Option(help: "The latency list the model was trained on.")
    var data = "data/latency/gt.txt"

    @Option(help: "The model (its token encoding is read from it); the anchors are written beside it unless --out is given.")
    var model: String

    @Option(help: "Networks per family.")
    var perFamily = 12

    @Option(help: "Families of the list to leave out (comma-separated): those the model was not trained on.")
    var excludeFamilies = ""

    @Option(help: "Where the anchors go (default: the model's name with the extension .anchors).")
    var out: String?

    @Option(help: "Seed of the sample.")
    var seed: UInt64 = 0

    func run() throws {
        guard perFamily > 0 else { throw ValidationError("--per-family must be at least 1") }
        let modelURL = URL(fileURLWithPath: model)
        let encoding = try TrainedModel.load(from: modelURL).metadata.tokenEncoding
        let list = try LatencyList.load(from: URL(fileURLWithPath: data))
        let excluded = Set(excludeFamilies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        // Every network the model trained on, imported once: its hash goes in the trained
        // list (a retrain judges the model on the others only), the anchors come from them.
        let trained = try list.records.filter { !excluded.contains($0.family) }.map { record in
            (family: record.family, network: try NetworkImporter.importFile(at: record.onnxFile, batchSize: record.batchSize))
        }
        let trainedOn = Set(trained.map(\.network.contentHash))
        var generator = SplitMix64(seed: seed)
        var anchors: [ReplayAnchors.Anchor] = []
        var seen = Set<String>()
        for family in Set(trained.map(\.family)).sorted() {
            let members = trained.filter { $0.family == family }.shuffled(using: &generator)
            var taken = 0
            for member in members where taken < perFamily {
                guard seen.insert(member.network.contentHash).inserted else { continue }
                anchors.append(ReplayAnchors.Anchor(graphHash: member.network.contentHash,
                                                    graph: try member.network.tokens(storedEncoding: encoding)))
                taken += 1
            }
        }
        let destination = out.map { URL(fileURLWithPath: $0) } ?? ReplayAnchors.url(besides: modelURL)
        let bytes = ReplayAnchors(encoding: encoding, anchors: anchors, trainedOn: trainedOn).bytes()
        try Data(bytes).write(to: destination)
        print("\(anchors.count) anchors and \(trainedOn.count) trained networks (\(encoding)), \(bytes.count) bytes: "
              + destination.path)
    }
}
