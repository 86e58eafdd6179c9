import Foundation
import XCTest
@testable import Engine

/// Every file of data/latency-transformers (ViT, Swin, ConvNeXt from torch 2.15's default
/// exporter, each at a fixed batch of 1, 2 or 4) imports at its own batch and at others,
/// with costs that scale with the batch.
final class ImportTransformerDataSetTests: XCTestCase {
    static var root: URL { ImportTestSupport.repoRoot.appendingPathComponent("data/latency-transformers") }

    static func records() throws -> [(url: URL, batch: Int)] {
        let text = try String(contentsOf: root.appendingPathComponent("gt.txt"), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let f = line.split(separator: " ")
            return (root.appendingPathComponent(String(f[1])), Int(f[2]) ?? 1)
        }
    }

    func testEveryFileImportsAtItsBatchAndAtOthers() throws {
        let records = try Self.records()
        XCTAssertEqual(records.count, 90)
        var failures: [String] = []
        for (url, batch) in records {
            do {
                let own = try NetworkImporter.importFile(at: url)
                XCTAssertEqual(own.batchSize, batch, url.lastPathComponent)
                XCTAssertGreaterThan(own.canonicalTotals.flops, 0)
                for b in [1, 3, 4] where b != batch {
                    let other = try NetworkImporter.importFile(at: url, batchSize: b)
                    XCTAssertEqual(other.contentHash, own.contentHash, "\(url.lastPathComponent) at batch \(b)")
                    // Every op runs for the whole batch: FLOPs scale with it (but for ops on constants alone).
                    XCTAssertEqual(other.canonicalTotals.flops / Double(b), own.canonicalTotals.flops / Double(batch),
                                   accuracy: 0.01 * own.canonicalTotals.flops / Double(batch), "\(url.lastPathComponent) at batch \(b)")
                }
                XCTAssertEqual(own.canonicalUnknownOps, [:], url.lastPathComponent)
                XCTAssertTrue(own.tokens(encoding: .costs2).tokens.allSatisfy(\.isFinite))
            } catch {
                failures.append("\(error)")
            }
        }
        XCTAssertEqual(failures, [], "\(failures.count) of \(records.count) files fail")
    }

    /// Import speed over the 90 files at their own batch (docs/import.md quotes it), in
    /// this thread's CPU time: the machine's other load does not count. Printed, not
    /// asserted: a test must not fail on a slow machine.
    func testImportSpeed() throws {
        let urls = try Self.records().map(\.url)
        func cpuSeconds() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
        }
        var best = Double.infinity
        for _ in 0..<3 {
            let start = cpuSeconds()
            for url in urls { _ = try NetworkImporter.importFile(at: url) }
            best = min(best, cpuSeconds() - start)
        }
        print("import of data/latency-transformers: \(String(format: "%.2f", best * 1000 / Double(urls.count))) ms CPU per file "
            + "over \(urls.count) files (best of 3)")
    }
}
