import Foundation
import XCTest
@testable import Engine

/// Import builds the canonical graph once at the measurement's batch and infers its shapes
/// again at batch 1 for the hash, over one `GraphBuilder.Plan`. Here every committed
/// transformer and exporter file is imported that way and compared with a full rebuild of
/// every graph from the raw graph (names, order, nodes and shapes made afresh for each
/// batch, as import did before plans were shared): the same hash, graphs and tokens, or the
/// same error, at the file's own batch and at batches 1 to 4.
final class ImportSharedPlanTests: XCTestCase {
    /// The import as a full rebuild of each graph.
    private static func fullRebuild(_ raw: RawGraph, name: String, batchSize: Int?) throws -> ImportedNetwork {
        let graph = try GraphBuilder.build(raw, batchSize: batchSize, file: name)
        let batch = graph.nodes.first(where: { $0.origin == .graphInput })?.outputShape.first ?? batchSize ?? 1
        let folded = GraphCanonicalizer.canonicalize(raw, asRead: graph)
        let constants = CanonicalGraph.constantNodes(try GraphBuilder.Plan(folded.raw, batchSize: batchSize, file: name))
        var folds = folded.folds
        if constants.computed > 0 { folds[GraphCanonicalizer.Fold.computedConstant.rawValue] = constants.computed }
        func canonical(at b: Int?) throws -> NetworkGraph {
            CanonicalGraph.apply(try GraphBuilder.build(folded.raw, batchSize: b, file: name),
                                 constantNodes: constants.names, viewGathers: folded.viewGathers)
        }
        return ImportedNetwork(name: name, graph: graph, batchSize: batchSize ?? batch, canonicalGraph: try canonical(at: batchSize),
                               hashGraph: try canonical(at: 1), folds: folds)
    }

    private static func outcome(_ body: () throws -> ImportedNetwork) -> Result<ImportedNetwork, ImportError> {
        do { return .success(try body()) } catch let e as ImportError { return .failure(e) } catch {
            return .failure(ImportError(.malformed, file: "", "\(error)"))
        }
    }

    func testSharedPlanEqualsFullRebuild() throws {
        var urls = try ImportTransformerDataSetTests.records().map(\.url)
        for family in ["vit", "swin", "convnext"] {
            for exporter in ["torchscript", "dynamo"] {
                urls.append(try ImportTestSupport.fixture("onnx/exporters/\(family)-\(exporter).onnx"))
            }
        }
        XCTAssertEqual(urls.count, 96)
        var compared = 0, refused = 0
        for url in urls {
            let name = url.lastPathComponent
            let raw = try ONNXReader.read(try Data(contentsOf: url), file: name)
            for batch in [nil, 1, 2, 3, 4] as [Int?] {
                let label = "\(name) at batch \(batch.map(String.init) ?? "of the file")"
                let shared = Self.outcome { try NetworkImporter.importRaw(raw, name: name, batchSize: batch) }
                let rebuilt = Self.outcome { try Self.fullRebuild(raw, name: name, batchSize: batch) }
                switch (shared, rebuilt) {
                case (.success(let s), .success(let r)):
                    XCTAssertEqual(s.contentHash, r.contentHash, label)
                    XCTAssertEqual(s.canonicalData(), r.canonicalData(), label)
                    XCTAssertEqual(s.graph, r.graph, label)
                    XCTAssertEqual(s.canonicalGraph, r.canonicalGraph, label)
                    XCTAssertEqual(s.folds, r.folds, label)
                    for encoding in [TokenEncoding.baseline, .costs, .costs2] {
                        XCTAssertTrue(s.tokens(encoding: encoding) == r.tokens(encoding: encoding), "\(label), \(encoding)")
                    }
                    compared += 1
                case (.failure(let s), .failure(let r)):
                    XCTAssertEqual(s.description, r.description, label)
                    refused += 1
                default:
                    XCTFail("\(label): one path imports, the other does not: \(shared) vs \(rebuilt)")
                }
            }
        }
        // The TorchScript Swin imports only at its exported batch (1); everything else imports.
        XCTAssertEqual(refused, 3)
        XCTAssertEqual(compared, 96 * 5 - 3)
    }
}
