import Foundation
import XCTest
@testable import Engine

final class CheckpointTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("narformer-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private let metadata = CheckpointMetadata(tokenEncoding: "baseline-152", platform: "epyc-1core",
                                              trainingDataDigest: "abc123", metricsJSON: #"{"mape":0.1}"#)

    private func saved(_ kind: ModelConfig.Kind = .latency) throws -> (NARFormerModel, URL) {
        let model = try NARFormerModel(config: ModelTrainingTests.tinyConfig(kind), seed: 31)
        let url = directory.appendingPathComponent("\(kind).safetensors")
        try Checkpoint.save(model, to: url, metadata: metadata)
        return (model, url)
    }

    func testRoundTripKeepsWeightsConfigAndMetadata() throws {
        for kind in [ModelConfig.Kind.latency, .accuracy] {
            let (model, url) = try saved(kind)
            let (loaded, meta) = try Checkpoint.load(from: url, expecting: model.config)
            XCTAssertEqual(loaded.config, model.config)
            XCTAssertEqual(meta, metadata)
            XCTAssertEqual(Array(loaded.parameters.buffer), Array(model.parameters.buffer))
            let graphs = ModelTrainingTests.graphs(3, config: model.config, seed: 32)
            XCTAssertEqual(try loaded.predict(graphs), try model.predict(graphs))
        }
    }

    func testHeaderIsSafetensorsWithReferenceNames() throws {
        let (model, url) = try saved()
        let data = try Data(contentsOf: url)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        XCTAssertEqual(length % 8, 0)
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        let fc1 = try XCTUnwrap(header["fc1.weight"] as? [String: Any])
        XCTAssertEqual(fc1["dtype"] as? String, "F32")
        XCTAssertEqual(fc1["shape"] as? [Int], [5, 8])
        XCTAssertEqual(data.count, 8 + length + model.parameterCount * 4)
        let meta = try XCTUnwrap(header["__metadata__"] as? [String: String])
        XCTAssertEqual(meta["model_kind"], "latency")
        XCTAssertEqual(meta["token_encoding"], "baseline-152")
    }

    private func assertLoadFails(_ url: URL, mentioning text: String, expecting: ModelConfig? = nil,
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Checkpoint.load(from: url, expecting: expecting), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(url.path), "no file name in: \(message)", file: file, line: line)
            XCTAssertTrue(message.contains(text), "expected '\(text)' in: \(message)", file: file, line: line)
        }
    }

    func testMetadataIsReadFromTheHeaderAlone() throws {
        let (_, url) = try saved()
        XCTAssertEqual(try Checkpoint.metadata(of: url), metadata)
        // The weights are not read: a file cut right after its header still names its metadata.
        let data = try Data(contentsOf: url)
        var length = 0
        for i in 0..<8 { length |= Int(data[i]) << (8 * i) }
        let headerOnly = directory.appendingPathComponent("header-only.safetensors")
        try data.prefix(8 + length).write(to: headerOnly)
        XCTAssertEqual(try Checkpoint.metadata(of: headerOnly), metadata)
        for (bytes, problem) in [(data.prefix(5), "too short"), (data.prefix(40), "truncated")] {
            let bad = directory.appendingPathComponent("bad.safetensors")
            try bytes.write(to: bad)
            XCTAssertThrowsError(try Checkpoint.metadata(of: bad)) { error in
                XCTAssertTrue("\(error)".contains(problem) && "\(error)".contains("bad.safetensors"), "\(error)")
            }
        }
        XCTAssertThrowsError(try Checkpoint.metadata(of: directory.appendingPathComponent("missing.safetensors")))
    }

    func testTruncatedAndCorruptFilesAreClearErrors() throws {
        let (model, url) = try saved()
        let data = try Data(contentsOf: url)
        let bad = directory.appendingPathComponent("bad.safetensors")
        try data.prefix(5).write(to: bad)
        assertLoadFails(bad, mentioning: "too short")
        try data.prefix(40).write(to: bad)
        assertLoadFails(bad, mentioning: "truncated")
        try data.dropLast(4).write(to: bad)
        assertLoadFails(bad, mentioning: "truncated")
        var garbled = data
        garbled[8] = UInt8(ascii: "#")
        try garbled.write(to: bad)
        assertLoadFails(bad, mentioning: "not a JSON object")
        assertLoadFails(directory.appendingPathComponent("missing.safetensors"), mentioning: "cannot be read")
        assertLoadFails(url, mentioning: "another configuration", expecting: model.config.with { $0.hidden = 8 })
    }

    func testMissingExtraAndMisshapenTensorsAreClearErrors() throws {
        let (_, url) = try saved()
        let data = try Data(contentsOf: url)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        let header = String(decoding: data.subdata(in: 8..<(8 + length)), as: UTF8.self)
        let body = data.subdata(in: (8 + length)..<data.count)
        let bad = directory.appendingPathComponent("edited.safetensors")
        func write(_ text: String) throws {
            var out = Data()
            withUnsafeBytes(of: UInt64(text.utf8.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(Data(text.utf8))
            out.append(body)
            try out.write(to: bad)
        }
        try write(header.replacingOccurrences(of: "\"fc2.bias\"", with: "\"fc9.bias\""))
        assertLoadFails(bad, mentioning: "tensor fc2.bias is missing")
        try write(header.replacingOccurrences(of: "\"shape\":[5,8]", with: "\"shape\":[8,5]"))
        assertLoadFails(bad, mentioning: "tensor fc1.weight has shape")
        try write(header.replacingOccurrences(of: "\"F32\"", with: "\"F64\""))
        assertLoadFails(bad, mentioning: "dtype")
        try write(header.replacingOccurrences(of: "\"__metadata__\"", with: "\"__other__\""))
        assertLoadFails(bad, mentioning: "__metadata__")
        try write(header.replacingOccurrences(of: "{\"__metadata__\"", with: "{\"ghost\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},\"__metadata__\""))
        assertLoadFails(bad, mentioning: "does not: ghost")
    }
}
