import Engine
import Foundation
import Learning
import Store
import TestSupport
import XCTest

/// A store written by the release before the `tokens` table (schema 1, tokens as JSON files
/// under `tokens/`, Fixtures/store-schema1) keeps working: its tokens are read where they
/// are, and moved into the store, unchanged, by the conversion.
final class LegacyTokenStoreTests: XCTestCase {
    private static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/store-schema1")

    /// The fixture's two networks, imported as the earlier release imported them.
    private let networks: [(file: String, batchSize: Int)] = [("alexnet_2026_0032.onnx", 1), ("alexnet_2026_0083.onnx", 2)]

    private func copyOfFixture() throws -> (LearningWorkspace, String) {
        let space = try LearningWorkspace()
        let path = space.root + "/old-store"
        try FileManager.default.copyItem(atPath: Self.fixture.path, toPath: path)
        try FileManager.default.removeItem(atPath: path + "/README.md")
        return (space, path)
    }

    private func imported() throws -> [ImportedNetwork] {
        try networks.map { file, batch in
            try NetworkImporter.importFile(at: RepositoryData.root.appendingPathComponent("data/latency/onnx/alexnet/" + file),
                                           batchSize: batch)
        }
    }

    /// The fixture's graphs are stored under the hashes of the release that wrote it (the
    /// canonical form has changed since): found through its measurements. The encodings of
    /// the graph as stated (`baseline`, `costs`) are what an import computes today; `costs2`,
    /// over the canonical graph, was computed by the older canonical form and is kept as stored;
    /// `costs3` came after the store and is not there.
    private func assertAllTokens(_ tokens: MeasuredTokenStore, in store: NarformerStore,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let measured = try store.read { try $0.measurements(platform: "cpu") }
        for (network, (_, batch)) in zip(try imported(), networks) {
            guard let hash = measured.first(where: { $0.batchSize == batch })?.graphHash else {
                return XCTFail("no measurement at batch \(batch) in the fixture", file: file, line: line)
            }
            for encoding in network.storedEncodings {
                let stored = try tokens.tokens(graphHash: hash, batchSize: batch, encoding: encoding)
                if encoding == .network(.costs2) {
                    XCTAssertEqual(stored?.tokenDim, Costs2Tokenizer.tokenDim, file: file, line: line)
                } else if encoding == .network(.costs3) {
                    XCTAssertNil(stored, "an encoding younger than the store has no tokens there", file: file, line: line)
                } else {
                    XCTAssertEqual(stored, try network.tokens(for: encoding), encoding.storedName, file: file, line: line)
                }
            }
            XCTAssertTrue(try tokens.contains(graphHash: hash, batchSize: batch), file: file, line: line)
        }
    }

    func testAnOldStoreIsReadThenConvertedByAWriter() throws {
        let (space, path) = try copyOfFixture()
        let folder = StoreFolder(path: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.tokens.path).count, 6)
        do {
            let reader = try NarformerStore(path: path, readOnly: true)
            XCTAssertEqual(try reader.read { try $0.schemaVersion() }, 1)
            try assertAllTokens(MeasuredTokenStore(store: reader), in: reader)
        }

        let store = try NarformerStore(path: path)
        let tokens = MeasuredTokenStore(store: store)
        XCTAssertEqual(try store.read { try $0.schemaVersion() }, NarformerStore.schemaVersion)
        try assertAllTokens(tokens, in: store)
        let conversion = try tokens.convertLegacyFiles(chunk: 4)
        XCTAssertEqual(conversion.converted, 6)
        XCTAssertEqual(conversion.unreadable, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.tokens.path), "the emptied folder is removed")
        try assertAllTokens(tokens, in: store)
        XCTAssertEqual(try store.read { try $0.measurements(platform: "cpu").map(\.latencyMs).sorted() }, [5.6199, 10.21779])
        XCTAssertEqual(try tokens.convertLegacyFiles().converted, 0, "nothing left to convert")
        _ = space
    }

    /// A file that cannot be used stays where it is, named with the reason; a cell's file
    /// (unsuffixed, like the baseline's) goes under the cell encoding and still answers a
    /// whole-network encoding's lookup, as the importer does.
    func testUnreadableFilesStayAndCellFilesKeepTheirMeaning() throws {
        let space = try LearningWorkspace()
        let legacy = LegacyTokenFiles(storePath: space.storePath)
        try FileManager.default.createDirectory(at: legacy.directory, withIntermediateDirectories: true)
        let cell = try NB201Cell(arch: SyntheticCells.arch([3, 1, 2, 0, 4, 3])).tokenGraph()
        let cellHash = String(repeating: "c", count: 64)
        try JSONEncoder().encode(cell).write(to: legacy.url(graphHash: cellHash, batchSize: 1, encoding: .cell))
        let damaged = legacy.url(graphHash: String(repeating: "d", count: 64), batchSize: 1, encoding: .baseline)
        try Data("{\"tokens\": [1, 2".utf8).write(to: damaged)
        let misnamed = legacy.url(graphHash: String(repeating: "e", count: 64), batchSize: 1, encoding: .network(.costs))
        try JSONEncoder().encode(cell).write(to: misnamed)
        let stray = legacy.directory.appendingPathComponent(".tmp-write-in-progress")
        try Data("x".utf8).write(to: stray)

        let conversion = try space.tokens.convertLegacyFiles()
        XCTAssertEqual(conversion.converted, 1)
        XCTAssertEqual(conversion.unreadable.count, 2, "\(conversion.unreadable)")
        XCTAssertTrue(conversion.unreadable.contains { $0.hasPrefix(damaged.path + ": ") }, "\(conversion.unreadable)")
        XCTAssertTrue(conversion.unreadable.contains { $0.hasPrefix(misnamed.path + ": ") && $0.contains("nb201-cell-128") },
                      "\(conversion.unreadable)")
        for left in [damaged, misnamed, stray] { XCTAssertTrue(FileManager.default.fileExists(atPath: left.path)) }
        XCTAssertEqual(try space.store.read {
            try $0.containsTokens(TokensKey(graphHash: cellHash, batchSize: 1, encoding: ModelTokens.cell.storedName))
        }, true)
        for encoding in [ModelTokens.cell, .baseline, .network(.costs)] {
            XCTAssertEqual(try space.tokens.tokens(graphHash: cellHash, batchSize: 1, encoding: encoding), cell)
        }
    }

    /// The binary layout gives back every bit: -0.0, NaN payloads, subnormals, edges and
    /// static features; a cut or foreign payload is an error, never other numbers.
    func testTheBinaryLayoutIsExactAndChecked() throws {
        let specials: [Float] = [0, -0.0, 1, .nan, Float(bitPattern: 0x7FC0_1234), .leastNonzeroMagnitude, -.infinity, 3.25]
        let tokens = (0..<(5 * 12)).map { specials[($0 * 7) % specials.count] * ($0 % 3 == 0 ? 0 : 1) }
        let graph = TokenGraph(nodeCount: 5, tokenDim: 12, tokens: tokens, edges: [UndirectedEdge(0, 4), UndirectedEdge(1, 2)],
                               staticFeatures: [0.5, -0.0, 7])
        let bytes = MeasuredTokenCodec.encode(graph)
        let back = try MeasuredTokenCodec.decode(bytes, expectedTokenDim: 12)
        XCTAssertEqual(back.tokens.map(\.bitPattern), graph.tokens.map(\.bitPattern))
        XCTAssertEqual(back.staticFeatures.map(\.bitPattern), graph.staticFeatures.map(\.bitPattern))
        XCTAssertEqual(back.edges, graph.edges)
        XCTAssertEqual([back.nodeCount, back.tokenDim], [5, 12])

        XCTAssertThrowsError(try MeasuredTokenCodec.decode(bytes, expectedTokenDim: 13))
        XCTAssertThrowsError(try MeasuredTokenCodec.decode([2] + bytes.dropFirst(), expectedTokenDim: 12))
        for cut in [0, 1, 17, bytes.count - 13, bytes.count - 1] {
            XCTAssertThrowsError(try MeasuredTokenCodec.decode(Array(bytes.prefix(cut)), expectedTokenDim: 12), "cut at \(cut)")
        }
        XCTAssertThrowsError(try MeasuredTokenCodec.decode(bytes + [0, 0, 0, 0, 0], expectedTokenDim: 12))
    }
}
