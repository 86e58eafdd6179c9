import Foundation
import Engine
import Glibc
import Store
import XCTest
import Inbox
import Learning
import TestSupport

final class LearningMeasurementTests: XCTestCase {
    private let oneNetwork = """
        measurements:
          - network: net.onnx
            platform: cpu
            batch_size: 1
            latency_ms: 12.5
            measured_at: 2026-11-28T10:00:00Z
            device: "EPYC 7B13, onnxruntime 1.32, 1 thread"
        """

    func testMeasurementBeforeItsNetworkWaitsThenIsStoredOnce() async throws {
        let space = try LearningWorkspace()
        let processor = space.processor()
        let drop = space.claimed("m.yaml", oneNetwork)
        guard case .retryLater(let reason, _) = await processor.process([drop])[0] else {
            return XCTFail("a measurement before its network must wait")
        }
        XCTAssertTrue(reason.contains("net.onnx"), reason)
        XCTAssertEqual(try space.measurementCount(), 0)

        try FileManager.default.copyItem(atPath: RepositoryData.alexnet(RepositoryData.alexnetNumbers(1)[0]).path,
                                         toPath: space.inbox.path + "/done/net.onnx")
        guard case .done(let json, _) = await processor.process([drop])[0] else { return XCTFail("not stored") }
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual(result["new"] as? Int, 1)
        let stored = try space.store.read { try $0.measurements(platform: "cpu") }
        XCTAssertEqual(stored.count, 1)
        XCTAssertEqual(stored.first?.latencyMs, 12.5)
        XCTAssertEqual(stored.first?.source, "EPYC 7B13, onnxruntime 1.32, 1 thread")
        let hash = try XCTUnwrap(stored.first?.graphHash)
        XCTAssertNotNil(try space.store.read { try $0.graph(hash: hash) })
        XCTAssertNotNil(try space.tokens.tokens(graphHash: hash, batchSize: 1), "tokens saved for retraining")

        // The same file again (a re-drop, a restart): nothing is stored twice.
        guard case .done(let again, _) = await processor.process([space.claimed("m-1.yaml", oneNetwork)])[0] else {
            return XCTFail("not processed")
        }
        let second = try XCTUnwrap(JSONSerialization.jsonObject(with: again) as? [String: Any])
        XCTAssertEqual(second["new"] as? Int, 0)
        XCTAssertEqual(second["already_stored"] as? Int, 1)
        XCTAssertEqual(try space.measurementCount(), 1)

        // Named by hash now that the graph is known, at another batch size.
        let byHash = "measurements:\n  - hash: \(hash)\n    batch_size: 4\n    latency_ms: 40\n"
        guard case .done = await processor.process([space.claimed("h.yaml", byHash)])[0] else {
            return XCTFail("a known hash is stored")
        }
        XCTAssertEqual(try space.measurementCount(), 2, "platform defaults to the inbox's")
        XCTAssertNotNil(try space.tokens.tokens(graphHash: hash, batchSize: 4), "tokens from the file still in done/")
    }

    /// Tokens already saved are neither recomputed nor rewritten; only the missing
    /// encodings are made, each equal to what the importer gives for it.
    func testOnlyMissingTokenEncodingsAreSaved() throws {
        let space = try LearningWorkspace()
        let network = try NetworkImporter.importFile(at: RepositoryData.alexnet(RepositoryData.alexnetNumbers(1)[0]),
                                                     batchSize: 2)
        XCTAssertGreaterThan(network.storedEncodings.count, 1)
        let first = network.storedEncodings[0], hash = network.contentHash
        var sentinel = try network.tokens(for: first)
        sentinel.tokens[0] = 42
        try space.tokens.save(sentinel, graphHash: hash, batchSize: 2, encoding: first)
        try space.tokens.saveMissing(of: network, batchSize: 2)
        XCTAssertEqual(try space.tokens.tokens(graphHash: hash, batchSize: 2, encoding: first), sentinel)
        for encoding in network.storedEncodings.dropFirst() {
            XCTAssertEqual(try space.tokens.tokens(graphHash: hash, batchSize: 2, encoding: encoding),
                           try network.tokens(for: encoding), encoding.storedName)
        }
        XCTAssertFalse(try space.tokens.contains(graphHash: hash, batchSize: 1, encoding: first), "other batch sizes untouched")
        XCTAssertFalse(try space.tokens.contains(graphHash: hash, batchSize: 1))
        XCTAssertTrue(try space.tokens.contains(graphHash: hash, batchSize: 2))
    }

    /// A network dropped for a prediction has its tokens stored in the predicting model's
    /// encoding only. A measurement naming it by hash (what `narformer suggest --format yaml`
    /// writes) stores the other encodings too, from the file in done/, so that a retrain can
    /// start from a prior that reads another encoding.
    func testAMeasurementByHashStoresEveryEncodingOfAPredictedNetwork() async throws {
        let space = try LearningWorkspace()
        let source = RepositoryData.alexnet(RepositoryData.alexnetNumbers(1)[0])
        try FileManager.default.copyItem(atPath: source.path, toPath: space.inbox.path + "/done/net.onnx")
        let network = try NetworkImporter.importFile(at: source, batchSize: 1)
        let hash = network.contentHash, served = ModelTokens.networkEncodings[0]
        XCTAssertGreaterThan(ModelTokens.networkEncodings.count, 1)
        try space.store.write { writer in
            _ = try writer.putGraph(GraphRecord(hash: hash, graph: network.canonicalData(), sourceFileName: "net.onnx",
                                                firstSeen: Date(), nodeCount: network.graph.nodes.count, kind: .network))
        }
        try space.tokens.save(try network.tokens(for: served), graphHash: hash, batchSize: 1, encoding: served)

        let byHash = "measurements:\n  - hash: \(hash)\n    batch_size: 1\n    latency_ms: 7.5\n"
        guard case .done = await space.processor().process([space.claimed("h.yaml", byHash)])[0] else {
            return XCTFail("a known hash is stored")
        }
        for encoding in ModelTokens.networkEncodings {
            XCTAssertEqual(try space.tokens.tokens(graphHash: hash, batchSize: 1, encoding: encoding),
                           try network.tokens(for: encoding), encoding.storedName)
        }
    }

    func testWaitingMeasurementFailsAfterTheInboxTimeout() async throws {
        let space = try LearningWorkspace()
        let processor = space.processor(timeout: .seconds(3600))
        let old = space.claimed("m.yaml", oneNetwork, claimedAt: Date().addingTimeInterval(-3601), retries: 7)
        guard case .failed(let reason) = await processor.process([old])[0] else { return XCTFail("must fail") }
        XCTAssertTrue(reason.contains("m.yaml") && reason.contains("'net.onnx'") && reason.contains("1 h"), reason)

        let unknownHash = "measurements:\n  - hash: \(String(repeating: "ab", count: 32))\n    batch_size: 1\n    latency_ms: 3\n"
        guard case .retryLater = await processor.process([space.claimed("h.yaml", unknownHash)])[0] else {
            return XCTFail("an unknown hash waits for its network")
        }
    }

    func testBadFilesAreFailedWithLineAndField() async throws {
        let space = try LearningWorkspace()
        let processor = space.processor()
        let record = "  - network: a.onnx\n    batch_size: 1\n"
        let cases: [(yaml: String, expected: [String])] = [
            ("measurements:\n" + record, ["bad.yaml:2", "measurements[0].latency_ms", "missing field"]),
            ("measurements:\n" + record + "    latency_ms: -3\n", ["bad.yaml:4", "measurements[0].latency_ms", "implausible"]),
            ("measurements:\n" + record + "    latency_ms: 0\n", ["bad.yaml:4", "implausible"]),
            ("measurements:\n" + record + "    latency_ms: .nan\n", ["bad.yaml:4", "latency_ms"]),
            ("measurements:\n" + record + "    latency_ms: 12 ms\n", ["bad.yaml:4", "not a number"]),
            ("measurements:\n  - network: a.onnx\n    batch_size: 0\n    latency_ms: 1\n",
             ["bad.yaml:3", "measurements[0].batch_size", "implausible"]),
            ("measurements:\n" + record + "    latency_ms: 1\n    platform: tpu\n",
             ["bad.yaml:5", "measurements[0].platform", "'tpu' is not in the daemon's config"]),
            ("measurements:\n" + record + "    latency: 1\n", ["bad.yaml:4", "measurements[0].latency", "unknown field"]),
            ("measurements:\n  - batch_size: 1\n    latency_ms: 1\n", ["bad.yaml:2", "measurements[0]", "network"]),
            ("measurements:\n" + record + "    latency_ms: 1\n    measured_at: yesterday\n",
             ["bad.yaml:5", "measured_at", "ISO 8601"]),
            ("measurements:\n" + record + "    latency_ms: 1\n  - network: b.onnx\n    batch_size: x\n    latency_ms: 1\n",
             ["bad.yaml:6", "measurements[1].batch_size"]),
            ("measurements: 3\n", ["bad.yaml:1", "measurements", "list"]),
            ("network: a.onnx\n", ["bad.yaml:1", "unknown key"]),
            ("measurements:\n  - network: [a\n", ["bad.yaml:", "YAML syntax"]),
        ]
        for (yaml, expected) in cases {
            guard case .failed(let reason) = await processor.process([space.claimed("bad.yaml", yaml)])[0] else {
                XCTFail("accepted:\n\(yaml)")
                continue
            }
            for piece in expected {
                XCTAssertTrue(reason.contains(piece), "'\(reason)' lacks '\(piece)' for:\n\(yaml)")
            }
        }
        XCTAssertEqual(try space.measurementCount(), 0)
    }

    /// Numbers a lab would not write on purpose: hexadecimal, denormal and non-finite
    /// latencies, and times outside 1970 to next year, each named with its line and field.
    func testHexDenormalNonFiniteLatenciesAndAbsurdYearsAreRefused() async throws {
        let space = try LearningWorkspace()
        let processor = space.processor()
        let record = "  - network: a.onnx\n    batch_size: 1\n"
        let farYear = Calendar(identifier: .gregorian).component(.year, from: Date()) + 2
        let cases: [(yaml: String, expected: [String])] = [
            ("measurements:\n" + record + "    latency_ms: 0x10\n",
             ["bad.yaml:4", "measurements[0].latency_ms", "'0x10' is not a number", "decimal"]),
            ("measurements:\n" + record + "    latency_ms: 0o20\n", ["bad.yaml:4", "latency_ms", "decimal"]),
            ("measurements:\n" + record + "    latency_ms: 1e-320\n",
             ["bad.yaml:4", "measurements[0].latency_ms", "1e-320", "implausible", "at least"]),
            ("measurements:\n" + record + "    latency_ms: 1e-9\n", ["bad.yaml:4", "latency_ms", "implausible"]),
            ("measurements:\n" + record + "    latency_ms: 1e999\n",
             ["bad.yaml:4", "measurements[0].latency_ms", "not a finite number"]),
            ("measurements:\n" + record + "    latency_ms: inf\n", ["bad.yaml:4", "latency_ms", "not a finite number"]),
            ("measurements:\n" + record + "    latency_ms: nan\n", ["bad.yaml:4", "latency_ms", "not a finite number"]),
            ("measurements:\n" + record + "    latency_ms: 1\n    measured_at: 99999-01-01T00:00:00Z\n",
             ["bad.yaml:5", "measurements[0].measured_at", "99999"]),
            ("measurements:\n" + record + "    latency_ms: 1\n    measured_at: \(farYear)-01-01T00:00:00Z\n",
             ["bad.yaml:5", "measurements[0].measured_at", "implausible", "1970 to \(farYear - 1)"]),
            ("measurements:\n" + record + "    latency_ms: 1\n    measured_at: 1969-12-31T23:59:59Z\n",
             ["bad.yaml:5", "measurements[0].measured_at", "implausible"]),
        ]
        for (yaml, expected) in cases {
            guard case .failed(let reason) = await processor.process([space.claimed("bad.yaml", yaml)])[0] else {
                XCTFail("accepted:\n\(yaml)")
                continue
            }
            for piece in expected {
                XCTAssertTrue(reason.contains(piece), "'\(reason)' lacks '\(piece)' for:\n\(yaml)")
            }
        }
        XCTAssertEqual(try space.measurementCount(), 0)
    }

    /// The decimal forms a lab writes are all taken.
    func testDecimalLatenciesInEveryUsualFormAreRead() {
        for text in ["12", "12.5", ".5", "5.", "+3", "1.5e2", "1E-3", "0.000001"] {
            XCTAssertTrue(MeasurementFileParser.isDecimal(text), text)
        }
        for text in ["0x10", "0b1", "1_000", "inf", "nan", "1e", "e5", ".", "", "1.2.3", " 1", "12 ms"] {
            XCTAssertFalse(MeasurementFileParser.isDecimal(text), text)
        }
    }

    func testNamesThatLeaveTheInboxAreRefused() async throws {
        let space = try LearningWorkspace()
        let processor = space.processor()
        let outside = space.root + "/outside.onnx"
        let network = RepositoryData.alexnet(RepositoryData.alexnetNumbers(1)[0]).path
        try FileManager.default.copyItem(atPath: network, toPath: outside)
        XCTAssertEqual(symlink(outside, space.inbox.path + "/done/escape.onnx"), 0)
        try FileManager.default.copyItem(atPath: network, toPath: space.inbox.path + "/done/inside.onnx")
        XCTAssertEqual(symlink(space.inbox.path + "/done/inside.onnx", space.inbox.path + "/alias.onnx"), 0)

        // A link is refused even when it stays inside the inbox: the drop protocol never
        // follows one.
        for name in ["../outside.onnx", "done/inside.onnx", "..", "/etc/passwd", "escape.onnx", "alias.onnx"] {
            let yaml = "measurements:\n  - network: \"\(name)\"\n    batch_size: 1\n    latency_ms: 2\n"
            guard case .failed(let reason) = await processor.process([space.claimed("p.yaml", yaml)])[0] else {
                XCTFail("'\(name)' was not refused")
                continue
            }
            XCTAssertTrue(reason.contains("p.yaml:2"), reason)
            XCTAssertTrue(reason.contains("symbolic link") || reason.contains("not a plain file name"), reason)
        }
        let inside = "measurements:\n  - network: inside.onnx\n    batch_size: 1\n    latency_ms: 2\n"
        guard case .done = await processor.process([space.claimed("ok.yaml", inside)])[0] else {
            return XCTFail("the file itself is used")
        }
        XCTAssertEqual(try space.measurementCount(), 1)
    }

    func testCellsAreStoredAsCellGraphs() async throws {
        let space = try LearningWorkspace()
        let cells = SyntheticCells.cells(3)
        guard case .done(let json, _) = await space.processor().process([space.claimed("c.yml", SyntheticCells.yaml(cells))])[0] else {
            return XCTFail("cells not stored")
        }
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual(result["new"] as? Int, 3)
        let stored = try space.store.read { try $0.measurements(platform: "cpu") }
        let graph = try space.store.read { try $0.graph(hash: stored[0].graphHash) }
        XCTAssertEqual(graph?.kind, .cell)
    }
}
