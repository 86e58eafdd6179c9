import Engine
import Foundation
import Learning
import TestSupport
import XCTest

final class ReplayAnchorsTests: XCTestCase {
    fileprivate func graphs(_ count: Int, encoding: String) throws -> [(hash: String, graph: TokenGraph)] {
        try RepositoryData.alexnetNumbers(count).map { number in
            let network = try NetworkImporter.importFile(at: RepositoryData.alexnet(number), batchSize: 1)
            return (network.contentHash, try network.tokens(storedEncoding: encoding))
        }
    }

    func testTheShippedModelsAnchorsLoadInItsEncoding() throws {
        let url = try XCTUnwrap(DefaultModels.url(for: .latency))
        let anchors = try XCTUnwrap(try ReplayAnchors.load(besides: url), "the cpu-ort-1t model ships its anchors")
        let model = try TrainedModel.load(from: url)
        XCTAssertEqual(anchors.encoding, model.metadata.tokenEncoding)
        XCTAssertEqual(anchors.anchors.count, 72)
        XCTAssertEqual(Set(anchors.anchors.map(\.graphHash)).count, 72, "each network once")
        // Every network of its training list (720 records, 632 distinct graphs), anchors included.
        let trainedOn = try XCTUnwrap(anchors.trainedOn)
        XCTAssertEqual(trainedOn.count, 632)
        XCTAssertTrue(Set(anchors.anchors.map(\.graphHash)).isSubset(of: trainedOn))
        // The OpenVINO platform's model: 8 of each of its 12 families, 722 distinct graphs of 810.
        let openVINO = try XCTUnwrap(DefaultModels.url(for: .latency, platform: "cpu-openvino-1t"))
        let its = try XCTUnwrap(try ReplayAnchors.load(besides: openVINO))
        XCTAssertEqual(its.encoding, try TrainedModel.load(from: openVINO).metadata.tokenEncoding)
        XCTAssertEqual(its.anchors.count, 96)
        XCTAssertEqual(its.trainedOn?.count, 722)
        for anchor in anchors.anchors { XCTAssertTrue(CandidateRecipe.fits(model.model.config, anchor.graph)) }
    }

    func testRoundTripAndADamagedFileIsNamed() throws {
        let encoding = ModelTokens.network(.costs).storedName
        let pairs = try graphs(3, encoding: encoding)
        let written = ReplayAnchors(encoding: encoding, anchors: pairs.map { .init(graphHash: $0.hash, graph: $0.graph) })
        let read = try ReplayAnchors.read(written.bytes(), file: "a.anchors")
        XCTAssertEqual(read.encoding, encoding)
        XCTAssertEqual(read.anchors.map(\.graphHash), pairs.map(\.hash))
        XCTAssertEqual(read.anchors.map(\.graph.tokens), pairs.map(\.graph.tokens))
        XCTAssertEqual(read.anchors.map(\.graph.edges.count), pairs.map(\.graph.edges.count))
        let cut = Array(written.bytes().dropLast(10))
        XCTAssertThrowsError(try ReplayAnchors.read(cut, file: "a.anchors")) { error in
            XCTAssertTrue("\(error)".contains("a.anchors") && "\(error)".contains("cut short"), "\(error)")
        }
        XCTAssertThrowsError(try ReplayAnchors.read(Array("narformer-anchors v1 nothing-9 1\n".utf8), file: "b.anchors"))
        XCTAssertNil(read.trainedOn, "written without a trained list: it does not say")
        // The trained networks travel with the anchors; a version-1 file (no list) still reads.
        var listed = written
        listed.trainedOn = Set(pairs.map(\.hash))
        XCTAssertEqual(try ReplayAnchors.read(listed.bytes(), file: "c.anchors").trainedOn, Set(pairs.map(\.hash)))
        XCTAssertThrowsError(try ReplayAnchors.read(Array(listed.bytes().dropLast(1)), file: "c.anchors")) { error in
            XCTAssertTrue("\(error)".contains("c.anchors") && "\(error)".contains("trained networks"), "\(error)")
        }
        XCTAssertTrue(written.bytes().starts(with: Array("narformer-anchors v1 ".utf8)))
        XCTAssertTrue(listed.bytes().starts(with: Array("narformer-anchors v2 ".utf8)))
    }

    /// Targets are the model's own predictions; measured networks are left to their measurements.
    func testAnchorSamplesArePredictedByTheStartModelAndSkipMeasuredNetworks() throws {
        let model = try DefaultModels.load(.latency)
        let pairs = try graphs(4, encoding: model.metadata.tokenEncoding)
        let anchors = ReplayAnchors(encoding: model.metadata.tokenEncoding,
                                    anchors: pairs.map { .init(graphHash: $0.hash, graph: $0.graph) })
        let samples = try anchors.samples(predictedBy: model, excluding: [pairs[0].hash])
        XCTAssertEqual(samples.map(\.graphHash), pairs.dropFirst().map(\.hash))
        let predicted = try model.predictValues(pairs.dropFirst().map(\.graph), batchSize: 64)
        for (sample, value) in zip(samples, predicted) { XCTAssertEqual(Double(sample.latencyMs), value, accuracy: value * 1e-6) }
        // Trusted where the model fits the measurements (here: its own predictions), not where it is 50% off.
        XCTAssertTrue(try anchors.trusted(model, on: samples))
        let off = samples.map { sample -> MeasuredSample in
            var copy = sample
            copy.latencyMs *= 1.5
            return copy
        }
        XCTAssertFalse(try anchors.trusted(model, on: off))
    }

    /// The shipped model, four of its networks as anchors and four others measured three
    /// times slower than it predicts them (far past the trusted error).
    private struct ThreeTimesSlower {
        let url: URL
        let model: TrainedModel
        let anchors: ReplayAnchors
        let anchorGraphs: [TokenGraph]
        let training: [MeasuredSample]
        /// The shipped model's predictions for the anchors.
        let before: [Double]

        init(_ test: ReplayAnchorsTests) throws {
            url = try XCTUnwrap(DefaultModels.url(for: .latency))
            model = try TrainedModel.load(from: url)
            let pairs = try test.graphs(8, encoding: model.metadata.tokenEncoding)
            anchors = ReplayAnchors(encoding: model.metadata.tokenEncoding,
                                    anchors: pairs.prefix(4).map { .init(graphHash: $0.hash, graph: $0.graph) })
            anchorGraphs = pairs.prefix(4).map(\.graph)
            let measured = try model.predictValues(pairs.suffix(4).map(\.graph), batchSize: 64)
            training = zip(pairs.suffix(4), measured).map { pair, value in
                MeasuredSample(measurementID: pair.hash, graphHash: pair.hash, graph: pair.graph, latencyMs: Float(3 * value))
            }
            before = try model.predictValues(anchorGraphs, batchSize: 64)
        }

        /// The mean ratio of a candidate's predictions for the anchors to the shipped model's,
        /// the candidate made on `platform` from `start` with the shipped model's anchors
        /// (pinned to its predictions where it was made for `platform`, as the retrainer does).
        func anchorRatio(platform: String, start: ModelSource? = nil, learningRate: Double = 1e-3) throws -> Double {
            let config = model.model.config
            let shipped = ModelSource(version: 0, url: url)
            let ownDefault = ModelSource.isDefault(version: 0, checkpointPlatform: model.metadata.platform, madeFor: platform)
            let recipe = CandidateRecipe(platform: platform, start: start ?? shipped,
                                         scratchConfig: { _ in config },
                                         plan: CandidateTraining.Plan(epochs: 3, batchSize: 4, learningRate: learningRate, seed: 0),
                                         anchors: anchors, anchorsModel: ownDefault ? shipped : nil)
            let candidate = try recipe.make(training: training, stop: TrainingStopFlag())
            let after = try candidate.predictValues(anchorGraphs, batchSize: 64)
            return zip(after, before).map { $0 / $1 }.reduce(0, +) / Double(after.count)
        }
    }

    /// A start model made for the platform itself is replayed however far off the measured
    /// networks are (they are new to it, the machine is not); another platform's model that
    /// far off is not, and its candidate follows the measurements on the anchors too.
    func testAStartModelOfThePlatformItselfIsAlwaysReplayed() throws {
        let slower = try ThreeTimesSlower(self)
        let platform = slower.model.metadata.platform
        XCTAssertFalse(try slower.anchors.trusted(slower.model, on: slower.training))
        let own = try slower.anchorRatio(platform: platform), other = try slower.anchorRatio(platform: "another-lab")
        XCTAssertGreaterThan(other, 2, "without replay the anchors follow the measurements' level")
        XCTAssertLessThan(own, other - 0.5, "replayed at the model's own predictions, the anchors stay nearer them")
        // With a fine-tune that moves nothing, what is left is the rate fit: on the model's own
        // platform it is fitted on the anchors too, so it does not carry them to 3x.
        let ownFit = try slower.anchorRatio(platform: platform, learningRate: 1e-12)
        let otherFit = try slower.anchorRatio(platform: "another-lab", learningRate: 1e-12)
        XCTAssertEqual(otherFit, 3, accuracy: 0.3, "fitted on the measurements alone")
        XCTAssertLessThan(ownFit, otherFit - 0.5, "fitted on the anchors as well")
    }

    /// A version grown from the default model made for the platform replays the anchors at
    /// the default model's predictions, not at its own: here version 1 predicts everything
    /// three times slower and fits the measurements, so replayed at its own predictions
    /// (another platform's line of models, where it is trusted) the anchors stay at 3x.
    func testAVersionOfThePlatformReplaysAtTheDefaultModelsPredictions() throws {
        let slower = try ThreeTimesSlower(self)
        // Version 1: the default model at three times its level (what a first retrain on
        // these measurements learns), written as a file of its own.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("anchors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let version1 = folder.appendingPathComponent("v1.safetensors")
        let grown = try TrainedModel.load(from: slower.url)
        XCTAssertEqual(try CandidateTraining.calibrateScale(grown, on: slower.training), 3, accuracy: 1e-3)
        try grown.save(to: version1)
        let start = ModelSource(version: 1, url: version1)
        let own = try slower.anchorRatio(platform: slower.model.metadata.platform, start: start)
        let other = try slower.anchorRatio(platform: "another-lab", start: start)
        XCTAssertGreaterThan(other, 2.5, "replayed at version 1's predictions, the anchors stay near 3x")
        XCTAssertLessThan(own, other - 0.5, "replayed at the default model's predictions, they are pulled toward 1x")
    }
}
