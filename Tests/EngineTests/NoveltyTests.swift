import Foundation
import XCTest
@testable import Engine

/// The novelty score: its scale, reasons, the summary's round trip through a checkpoint,
/// and the embedding pass agreeing with the plain prediction.
final class NoveltyTests: XCTestCase {
    private func cloud(_ count: Int, width: Int, center: Float, seed: UInt64) -> [[Float]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in (0..<width).map { _ in center + rng.nextSymmetric(1) } }
    }

    private func traits(_ nodes: Int, ops: Set<String> = ["Conv", "Relu"], flops: Double? = 1e9) -> NetworkTraits {
        var t = NetworkTraits(TokenGraph(nodeCount: 1, tokenDim: 1, tokens: [0], edges: [], staticFeatures: []), tokens: .cell)
        t.nodeCount = nodes
        t.opTypes = ops
        t.flops = flops
        return t
    }

    private func summary(opMix: Bool = false) throws -> NoveltySummary {
        let embedding = try XCTUnwrap(NoveltySpace(method: .embedding, vectors: cloud(200, width: 6, center: 0, seed: 1)))
        let mix = opMix ? try XCTUnwrap(NoveltySpace(method: .opMix, vectors: cloud(200, width: 3, center: 0, seed: 11))) : nil
        return NoveltySummary(embedding: embedding, opMix: mix, traits: [traits(10), traits(50, flops: 4e9)], trainingCount: 200)
    }

    func testScoreIsAboutOneInsideTheTrainingCloudAndHighFarFromIt() throws {
        let s = try summary()
        let inside = cloud(100, width: 6, center: 0, seed: 2).map { s.novelty(embedding: $0, opMix: nil, traits: nil).score }.sorted()
        XCTAssertEqual(inside[50], 1, accuracy: 0.35, "a network like the training ones scores about 1")
        let far = cloud(100, width: 6, center: 4, seed: 3).map { s.novelty(embedding: $0, opMix: nil, traits: nil) }
        XCTAssertTrue(far.allSatisfy { $0.score >= Novelty.high }, "\(far.map(\.score).min() ?? 0)")
        XCTAssertTrue(far.allSatisfy { $0.reason?.contains("farther from its nearest training networks") == true })
        XCTAssertNil(s.novelty(embedding: cloud(1, width: 6, center: 0, seed: 4)[0], opMix: nil, traits: traits(20)).reason)
    }

    func testTheScaleIsLocalSoASparseTrainingFamilyIsNotNovel() throws {
        // A dense family (200 networks, spread 0.2) and a sparse one (40 networks, spread 3)
        // far apart: the sample's one typical distance is the dense family's, so a network
        // like the sparse family's would read as novel on that scale.
        let dense = cloud(200, width: 4, center: 0, seed: 31).map { $0.map { $0 * 0.2 } }
        let sparse = cloud(40, width: 4, center: 0, seed: 32).map { $0.map { 20 + $0 * 3 } }
        let space = try XCTUnwrap(NoveltySpace(method: .embedding, vectors: dense + sparse))
        let likeSparse = cloud(50, width: 4, center: 0, seed: 33).map { $0.map { 20 + $0 * 3 } }
        let local = likeSparse.map(space.distanceRatio).sorted(), global = likeSparse.map(space.globalDistanceRatio).sorted()
        XCTAssertGreaterThan(global[25], 2 * Novelty.high, "on the one typical distance the sparse family reads as novel")
        XCTAssertEqual(local[25], 1, accuracy: 0.4, "on the local scale it is about 1")
        let likeDense = cloud(50, width: 4, center: 0, seed: 34).map { $0.map { $0 * 0.2 } }.map(space.distanceRatio).sorted()
        XCTAssertEqual(likeDense[25], 1, accuracy: 0.4)
        // Between the two families, far from both on either family's scale.
        XCTAssertGreaterThanOrEqual(space.distanceRatio([10, 10, 10, 10]), Novelty.high)

        // A knot of identical copies (own distance 0) is floored at a share of the typical distance.
        let knot = [[Float]](repeating: [5, 5, 5, 5], count: 8) + cloud(100, width: 4, center: 0, seed: 35)
        let knotted = try XCTUnwrap(NoveltySpace(method: .embedding, vectors: knot))
        let nearKnot: [Float] = [5.01, 5, 5, 5]
        XCTAssertEqual(knotted.distanceRatio(nearKnot), knotted.globalDistanceRatio(nearKnot) / NoveltySpace.localScaleFloor,
                       accuracy: 1e-9, "the floor, not a division by zero")
        XCTAssertTrue(knotted.distanceRatio(nearKnot).isFinite)
    }

    func testReasonsNameUnseenOpTypesSizeAndUnknownOps() throws {
        let s = try summary()
        let near = cloud(1, width: 6, center: 0, seed: 5)[0]
        let novelty = s.novelty(embedding: near, opMix: nil, traits: traits(400, ops: ["Conv", "Einsum"], flops: 9e9))
            .adding(unknownOps: ["FancyOp": 3])
        let reason = try XCTUnwrap(novelty.reason)
        XCTAssertTrue(reason.hasPrefix("ops the model has no token for: FancyOp x3"), reason)
        XCTAssertTrue(reason.contains("op types none of its training networks had: Einsum"), reason)
        XCTAssertTrue(reason.contains("400 nodes, outside the trained 10-50"), reason)
        XCTAssertTrue(reason.contains("9 GFLOPs, outside the trained 1-4"), reason)
        XCTAssertEqual(s.novelty(embedding: [1, 2], opMix: nil, traits: nil).score, NoveltySummary.unplaceable, "a vector of another width")
    }

    func testSummaryRoundTripsThroughJSONAndRejectsDamage() throws {
        for s in [try summary(), try summary(opMix: true)] {
            XCTAssertTrue(try NoveltySummary(json: s.json()) == s, "the summary changed on its way through JSON")
            XCTAssertThrowsError(try NoveltySummary(json: s.json().replacingOccurrences(of: "\"width\":6", with: "\"width\":7")))
        }
        XCTAssertThrowsError(try NoveltySummary(json: "[1]"))
        XCTAssertThrowsError(try NoveltySummary(json: try summary(opMix: true).json().replacingOccurrences(of: "\"width\":3", with: "\"width\":4")),
                             "a damaged op-mix space")
        XCTAssertNil(NoveltySpace(method: .embedding, vectors: [[1, 2]]), "one network has no typical distance")
    }

    func testTheScoreIsTheGeometricMeanOfBothSpacesAndAnOldSummaryScoresByTheEmbedding() throws {
        let both = try summary(opMix: true)
        let embedding = cloud(1, width: 6, center: 0, seed: 12)[0]
        let usual = cloud(1, width: 3, center: 0, seed: 13)[0], unusual: [Float] = [6, -6, 6]
        let e = both.embedding.distanceRatio(embedding)
        let m = try XCTUnwrap(both.opMix).distanceRatio(unusual)
        XCTAssertLessThan(e, Novelty.high, "the embedding alone places the network among the training ones")
        let novel = both.novelty(embedding: embedding, opMix: unusual, traits: nil)
        XCTAssertEqual(novel.score, (e * m).squareRoot(), accuracy: 1e-12)
        XCTAssertGreaterThanOrEqual(novel.score, Novelty.high, "an op mix no training network had makes the network novel")
        XCTAssertTrue(novel.reason?.contains("in op mix and size") == true, "\(novel.reason ?? "no reason")")
        XCTAssertLessThan(both.score(embedding: embedding, opMix: usual), Novelty.high)
        XCTAssertEqual(both.score(embedding: embedding, opMix: [1]), NoveltySummary.unplaceable, "an op-mix vector of another width")

        // A summary written before the op-mix space (no `op_mix` in its JSON) reads and scores by the embedding alone.
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(both.json().utf8)) as? [String: Any])
        XCTAssertNotNil(object.removeValue(forKey: "op_mix"))
        let old = try NoveltySummary(json: String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        XCTAssertNil(old.opMix)
        XCTAssertEqual(old.embedding, both.embedding)
        XCTAssertEqual(old.score(embedding: embedding, opMix: unusual), e, accuracy: 1e-12)
    }

    func testEmbeddingPassPredictsTheSameAndPoolsTheLastBlock() throws {
        let config = ModelTrainingTests.tinyConfig(.latency)
        let model = try NARFormerModel(config: config, seed: 7)
        let graphs = ModelTrainingTests.graphs(5, config: config, seed: 8)
        let (predictions, embeddings) = try model.predictWithEmbeddings(graphs)
        XCTAssertEqual(predictions, try model.predict(graphs))
        XCTAssertEqual(embeddings.count, graphs.count * model.embeddingWidth)
        XCTAssertTrue(embeddings.allSatisfy(\.isFinite))
        XCTAssertNotEqual(Array(embeddings[0..<4]), Array(embeddings[4..<8]), "different graphs, different embeddings")
        let (_, alone) = try model.predictWithEmbeddings([graphs[1]])
        XCTAssertEqual(alone, Array(embeddings[4..<8]), "a graph's embedding does not depend on its batch")
    }

    func testCheckpointCarriesTheSummaryAndPredictionsCarryNovelty() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-novelty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = ModelTrainingTests.tinyConfig(.latency)
        let trained = TrainedModel(model: try NARFormerModel(config: config, seed: 9), targetScale: 2,
                                   metadata: CheckpointMetadata(tokenEncoding: "", platform: "p", trainingDataDigest: "d"))
        let training = ModelTrainingTests.graphs(40, config: config, seed: 10)
        XCTAssertNil(try trained.predictWithNovelty(training).novelty, "no summary, no novelty")
        try trained.summarizeTrainingNetworks(training)
        let summary = try XCTUnwrap(trained.noveltySummary)
        XCTAssertEqual(summary.trainingCount, 40)
        XCTAssertEqual(summary.embedding.width, trained.model.embeddingWidth)
        XCTAssertNil(summary.opMix, "graphs not in the tokens the model names have no op mix")
        let url = directory.appendingPathComponent("m.safetensors")
        try trained.save(to: url, extra: ["mape": 0.5])
        let loaded = try TrainedModel.load(from: url)
        XCTAssertEqual(loaded.noveltySummary, summary)
        let (values, novelty) = try loaded.predictWithNovelty(training)
        XCTAssertEqual(values, try trained.predictValues(training))
        let scores = try XCTUnwrap(novelty).map(\.score).sorted()
        XCTAssertLessThan(scores[scores.count / 2], 1, "training networks are at most as far as their own typical distance")

        // Adding a summary to an existing checkpoint keeps its weights and metrics.
        let bare = try TrainedModel.load(from: url)
        bare.noveltySummary = nil
        try bare.saveKeepingMetadata(to: url)
        XCTAssertNil(try TrainedModel.load(from: url).noveltySummary)
        bare.noveltySummary = summary
        try bare.saveKeepingMetadata(to: url)
        let again = try TrainedModel.load(from: url)
        XCTAssertEqual(again.noveltySummary, summary)
        XCTAssertEqual(again.metrics["mape"] as? Double, 0.5)
        XCTAssertEqual(try again.predictValues(training), values)
    }

    /// A network of `nodes` nodes in cost tokens: node i in op slot `slots[i % slots.count]`,
    /// with `flops` per node.
    private func costsGraph(nodes: Int, slots: [Int], flops: Double) -> TokenGraph {
        let width = CostTokenizer.tokenDim
        var tokens = [Float](repeating: 0, count: nodes * width)
        for i in 0..<nodes {
            tokens[i * width + CostTokenizer.costColumns + slots[i % slots.count]] = 1
            tokens[i * width + CostTokenizer.flopsColumn] = Float(Foundation.log1p(flops)) / CostTokenizer.logScale
        }
        return TokenGraph(nodeCount: nodes, tokenDim: width, tokens: tokens, edges: (1..<nodes).map { UndirectedEdge($0 - 1, $0) },
                          staticFeatures: [Float](repeating: 0.5, count: CostTokenizer.staticDim))
    }

    func testAWholeNetworkModelsSummarySeparatesANetworkOfAnUnseenOpMix() throws {
        var config = ModelTrainingTests.tinyConfig(.latency)
        config.inDim = CostTokenizer.tokenDim
        config.staticDim = CostTokenizer.staticDim
        let trained = TrainedModel(model: try NARFormerModel(config: config, seed: 14), targetScale: 1,
                                   metadata: CheckpointMetadata(tokenEncoding: ModelTokens.network(.costs).storedName,
                                                                platform: "p", trainingDataDigest: ""))
        // Training networks: convolutions and activations in varying shares and sizes.
        var rng = SplitMix64(seed: 15)
        func usual() -> TokenGraph {
            let conv = 1 + Int(rng.next() % 3)
            return costsGraph(nodes: 8 + Int(rng.next() % 24), slots: Array(repeating: 0, count: conv) + [1],
                              flops: 1e6 * Double(1 + rng.next() % 50))
        }
        let training = (0..<60).map { _ in usual() }
        try trained.summarizeTrainingNetworks(training)
        let summary = try XCTUnwrap(trained.noveltySummary)
        XCTAssertEqual(summary.opMix?.width, BaselineTokenizer.opSlots.count + 2, "op shares, ln nodes, ln FLOPs")
        let like = try XCTUnwrap(trained.predictWithNovelty((0..<9).map { _ in usual() }).novelty).map(\.score).sorted()
        XCTAssertLessThan(like[4], Novelty.high, "networks like the training ones: \(like)")
        // Same sizes, but every node of op types no training network had.
        let unseen = costsGraph(nodes: 16, slots: [5, 6, 7], flops: 1e7)
        let novel = try XCTUnwrap(trained.predictWithNovelty([unseen]).novelty?.first)
        XCTAssertGreaterThanOrEqual(novel.score, Novelty.high, "\(novel)")
        XCTAssertEqual(novel.score, summary.score(embedding: try trained.noveltyVectors([unseen], method: .embedding)[0],
                                                  opMix: trained.opMixVector(unseen)), accuracy: 1e-12)
    }

    /// The shipped latency models score in both spaces; the cell accuracy model by its embedding.
    func testShippedModelsCarryTheSummaryTheirTokensAllow() throws {
        let latency = try XCTUnwrap(try DefaultModels.load(.latency).noveltySummary)
        XCTAssertEqual(latency.opMix?.width, BaselineTokenizer.opSlots.count + 2)
        XCTAssertEqual(latency.opMix?.count, latency.embedding.count, "one sample of networks in both spaces")
        XCTAssertNil(try XCTUnwrap(try DefaultModels.load(.accuracy).noveltySummary).opMix)
    }

    func testAWrongWidthSummaryIsAnErrorNamingTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-novelty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let trained = TrainedModel(model: try NARFormerModel(config: ModelTrainingTests.tinyConfig(.latency), seed: 9),
                                   targetScale: 1, metadata: CheckpointMetadata(tokenEncoding: "", platform: "p", trainingDataDigest: ""))
        trained.noveltySummary = try summary()
        let url = directory.appendingPathComponent("bad.safetensors")
        try trained.save(to: url)
        XCTAssertThrowsError(try TrainedModel.load(from: url)) { error in
            XCTAssertTrue("\(error)".contains(url.path) && "\(error)".contains("novelty_summary"), "\(error)")
        }
    }

    func testTraitsReadOpTypesAndFlopsFromCostTokens() throws {
        var tokens = [Float](repeating: 0, count: 2 * CostTokenizer.tokenDim)
        tokens[CostTokenizer.costColumns + 0] = 1  // Conv
        tokens[CostTokenizer.flopsColumn] = Float(Foundation.log1p(1000.0)) / CostTokenizer.logScale
        tokens[CostTokenizer.tokenDim + CostTokenizer.costColumns + 1] = 1  // Relu
        let graph = TokenGraph(nodeCount: 2, tokenDim: CostTokenizer.tokenDim, tokens: tokens, edges: [UndirectedEdge(0, 1)],
                               staticFeatures: [Float](repeating: 0, count: CostTokenizer.staticDim))
        let t = NetworkTraits(graph, tokens: .network(.costs))
        XCTAssertEqual(t.opTypes, ["Conv", "Relu"])
        XCTAssertEqual(t.nodeCount, 2)
        XCTAssertEqual(try XCTUnwrap(t.flops), 1000, accuracy: 1)
    }
}
