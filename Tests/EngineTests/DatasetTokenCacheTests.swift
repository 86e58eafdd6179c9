import XCTest
@testable import Engine

final class DatasetTokenCacheTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try EvalTestData.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A deterministic tokenisation of a file's bytes, so the cache's answer can be
    /// checked against recomputation.
    private final class CountingLoader: @unchecked Sendable {
        var calls = 0
        func load(_ url: URL, _ batch: Int) throws -> CachedTokens {
            calls += 1
            let bytes = [UInt8](try Data(contentsOf: url))
            let nodes = max(2, bytes.count)
            var tokens = [Float](repeating: 0, count: nodes * 3)
            for (i, byte) in bytes.enumerated() { tokens[i * 3] = Float(byte); tokens[i * 3 + 1] = Float(batch); tokens[i * 3 + 2] = -0.5 }
            let edges = (1..<nodes).map { UndirectedEdge($0 - 1, $0) }
            let graph = TokenGraph(nodeCount: nodes, tokenDim: 3, tokens: tokens, edges: edges, staticFeatures: [Float(batch), .pi])
            return CachedTokens(graph: graph, costs: NetworkCostSummary(flops: 1.5e9 * Double(batch), params: 11.7e6, memoryAccess: 3.25e8))
        }
    }

    private func network(_ text: String, named name: String = "net.onnx") throws -> URL {
        try EvalTestData.write(text, named: name, in: directory)
    }

    func testSecondLookupIsAHitWithIdenticalTokens() throws {
        let cache = TokenCache(encoding: "nnlqp-152", directory: directory.appendingPathComponent("cache"))
        let loader = CountingLoader()
        let file = try network("conv relu add")
        let first = try cache.tokens(for: file, batchSize: 4, load: loader.load)
        XCTAssertEqual(first.outcome, .computed)
        let second = try cache.tokens(for: file, batchSize: 4, load: loader.load)
        XCTAssertEqual(second.outcome, .hit)
        XCTAssertEqual(loader.calls, 1)
        XCTAssertEqual(second.tokens, first.tokens)
        XCTAssertEqual(second.tokens, try loader.load(file, 4))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("cache").path)
        XCTAssertEqual(leftovers.count, 1, "only the entry, no temporary files: \(leftovers)")
    }

    func testKeyIsContentBatchAndEncoding() throws {
        let cache = TokenCache(encoding: "nnlqp-152", directory: directory)
        let loader = CountingLoader()
        let file = try network("graph one")
        _ = try cache.tokens(for: file, batchSize: 1, load: loader.load)
        let renamed = try network("graph one", named: "copy.onnx")
        XCTAssertEqual(try cache.tokens(for: renamed, batchSize: 1, load: loader.load).outcome, .hit, "same bytes, other name")
        XCTAssertEqual(try cache.tokens(for: file, batchSize: 8, load: loader.load).outcome, .computed, "other batch")
        let other = TokenCache(encoding: "better-200", directory: directory)
        XCTAssertEqual(try other.tokens(for: file, batchSize: 1, load: loader.load).outcome, .computed, "other encoding")
        _ = try network("graph two")
        XCTAssertEqual(try cache.tokens(for: file, batchSize: 1, load: loader.load).outcome, .computed, "edited file")
        XCTAssertEqual(loader.calls, 4)
    }

    func testCorruptEntriesAreRecomputedNeverTrusted() throws {
        let cache = TokenCache(encoding: "e", directory: directory)
        let loader = CountingLoader()
        let file = try network("abcdef")
        let fresh = try cache.tokens(for: file, batchSize: 2, load: loader.load).tokens
        let entry = cache.entryURL(contentHash: try TokenCache.contentHash(of: file), batchSize: 2)
        let good = try Data(contentsOf: entry)
        let damaged: [Data] = [
            good.prefix(good.count / 2),                                           // truncated
            { var d = good; d[d.count / 2] ^= 0xFF; return d }(),                  // flipped byte
            Data("not an entry".utf8),
            Data(),
        ]
        for bad in damaged {
            try bad.write(to: entry)
            let result = try cache.tokens(for: file, batchSize: 2, load: loader.load)
            guard case .recomputedCorrupt = result.outcome else { return XCTFail("\(result.outcome)") }
            XCTAssertEqual(result.tokens, fresh)
            XCTAssertEqual(try cache.tokens(for: file, batchSize: 2, load: loader.load).outcome, .hit, "rewritten")
        }
        // A valid entry copied under another key's name is not trusted either.
        let otherFile = try network("zzz", named: "other.onnx")
        let otherEntry = cache.entryURL(contentHash: try TokenCache.contentHash(of: otherFile), batchSize: 2)
        try good.write(to: otherEntry)
        guard case .recomputedCorrupt = try cache.tokens(for: otherFile, batchSize: 2, load: loader.load).outcome else {
            return XCTFail("a misplaced entry was trusted")
        }
    }

    func testUnwritableCacheStillAnswers() throws {
        let blocker = try network("a file where the cache folder should be", named: "blocker")
        let cache = TokenCache(encoding: "e", directory: blocker.appendingPathComponent("tokens"))
        let result = try cache.tokens(for: try network("x"), batchSize: 1, load: CountingLoader().load)
        guard case .computedNotStored = result.outcome else { return XCTFail("\(result.outcome)") }
        XCTAssertEqual(result.tokens.graph.nodeCount, 2)
    }

    func testErrorsOfTheLoaderAndTheFileComeThrough() throws {
        let cache = TokenCache(encoding: "e", directory: directory)
        struct Unsupported: Error {}
        XCTAssertThrowsError(try cache.tokens(for: try network("y"), batchSize: 1) { _, _ in throw Unsupported() }) {
            XCTAssertTrue($0 is Unsupported)
        }
        let message = EvalTestData.error { _ = try cache.tokens(for: URL(fileURLWithPath: "/nonexistent/m.onnx"), batchSize: 1, load: CountingLoader().load) }
        XCTAssertTrue(message.hasPrefix("/nonexistent/m.onnx: cannot be read"), message)
    }

    func testDefaultDirectory() {
        XCTAssertEqual(TokenCache.defaultDirectory(environment: ["NARFORMER_CACHE": "/var/cache/nf", "HOME": "/home/u"]).path, "/var/cache/nf/tokens")
        XCTAssertEqual(TokenCache.defaultDirectory(environment: ["HOME": "/home/u"]).path, "/home/u/.cache/narformer/tokens")
        XCTAssertEqual(TokenCache(encoding: "a/b c").key(contentHash: "ff", batchSize: 3), "ff-b3-a_b_c-v\(TokenCache.formatVersion)")
    }

    func testContentHashIsSHA256() throws {
        // printf 'abc' | sha256sum
        XCTAssertEqual(try TokenCache.contentHash(of: try network("abc")),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
