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

    private func summary() throws -> NoveltySummary {
        let vectors = cloud(200, width: 6, center: 0, seed: 1)
        return try XCTUnwrap(NoveltySummary(method: .embedding, vectors: vectors,
                                            traits: [traits(10), traits(50, flops: 4e9)], trainingCount: 200))
    }

    func testScoreIsAboutOneInsideTheTrainingCloudAndHighFarFromIt() throws {
        let s = try summary()
        let inside = cloud(100, width: 6, center: 0, seed: 2).map { s.novelty(vector: $0, traits: nil).score }.sorted()
        XCTAssertEqual(inside[50], 1, accuracy: 0.35, "a network like the training ones scores about 1")
        let far = cloud(100, width: 6, center: 4, seed: 3).map { s.novelty(vector: $0, traits: nil) }
        XCTAssertTrue(far.allSatisfy { $0.score >= Novelty.high }, "\(far.map(\.score).min() ?? 0)")
        XCTAssertTrue(far.allSatisfy { $0.reason?.contains("farther from its nearest training networks") == true })
        XCTAssertNil(s.novelty(vector: cloud(1, width: 6, center: 0, seed: 4)[0], traits: traits(20)).reason)
    }

    func testReasonsNameUnseenOpTypesSizeAndUnknownOps() throws {
        let s = try summary()
        let near = cloud(1, width: 6, center: 0, seed: 5)[0]
        let novelty = s.novelty(vector: near, traits: traits(400, ops: ["Conv", "Einsum"], flops: 9e9))
            .adding(unknownOps: ["FancyOp": 3])
        let reason = try XCTUnwrap(novelty.reason)
        XCTAssertTrue(reason.hasPrefix("ops the model has no token for: FancyOp x3"), reason)
        XCTAssertTrue(reason.contains("op types none of its training networks had: Einsum"), reason)
        XCTAssertTrue(reason.contains("400 nodes, outside the trained 10-50"), reason)
        XCTAssertTrue(reason.contains("9 GFLOPs, outside the trained 1-4"), reason)
        XCTAssertEqual(s.novelty(vector: [1, 2], traits: nil).score, NoveltySummary.unplaceable, "a vector of another width")
    }

    func testSummaryRoundTripsThroughJSONAndRejectsDamage() throws {
        let s = try summary()
        XCTAssertTrue(try NoveltySummary(json: s.json()) == s, "the summary changed on its way through JSON")
        XCTAssertThrowsError(try NoveltySummary(json: "[1]"))
        XCTAssertThrowsError(try NoveltySummary(json: s.json().replacingOccurrences(of: "\"width\":6", with: "\"width\":7")))
        XCTAssertNil(NoveltySummary(method: .embedding, vectors: [[1, 2]], traits: [], trainingCount: 1),
                     "one network has no typical distance")
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
        XCTAssertEqual(summary.width, trained.model.embeddingWidth)
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
