import Foundation
import Synchronization
import XCTest
@testable import Engine

/// The daemon's per-network budget: a node cap checked before the graph is built, a time
/// budget checked at each phase, and a beat at each phase.
final class ImportBudgetTests: XCTestCase {
    private static func chain(_ count: Int) -> Data {
        let nodes = (0..<count).map { index in
            #"{"name": "n\#(index)", "op": "Relu", "inputs": ["\#(index == 0 ? "x" : "n\(index - 1)")"]}"#
        }
        return Data((#"{"format": "narformer-graph", "version": 1, "name": "chain", "inputs": [{"name": "x", "shape": [1, 8]}], "nodes": ["#
                     + nodes.joined(separator: ", ") + "]}").utf8)
    }

    func testANetworkBeyondTheNodeCapIsRefusedNamingTheLimit() throws {
        XCTAssertNoThrow(try NetworkImporter.importData(Self.chain(20), format: .graphJSON, name: "c.json",
                                                        budget: ImportBudget(maxNodes: 20)))
        XCTAssertThrowsError(try NetworkImporter.importData(Self.chain(21), format: .graphJSON, name: "c.json",
                                                            budget: ImportBudget(maxNodes: 20))) { error in
            let problem = error as? ImportError
            XCTAssertEqual(problem?.kind, .tooLarge)
            XCTAssertEqual(problem?.description, "c.json: the network has 21 nodes, more than the 20 this daemon imports (limits.network_nodes)")
        }
    }

    func testAnImportPastItsTimeIsStoppedAtTheNextPhaseAndEachPhaseBeats() throws {
        let beats = Mutex(0)
        let counting = ImportBudget(timeLimit: .seconds(60), progress: { beats.withLock { $0 += 1 } })
        _ = try NetworkImporter.importData(Self.chain(50), format: .graphJSON, name: "c.json", batchSize: 4, budget: counting)
        XCTAssertEqual(beats.withLock { $0 }, 6, "start, read, build, canonical form, canonical graph, batch-1 graph")

        let spent = ImportBudget(timeLimit: .nanoseconds(1))
        XCTAssertThrowsError(try NetworkImporter.importData(Self.chain(50), format: .graphJSON, name: "c.json",
                                                            budget: spent)) { error in
            let problem = error as? ImportError
            XCTAssertEqual(problem?.kind, .tooLarge)
            XCTAssertTrue(problem?.message.contains("took longer than") ?? false, "\(error)")
            XCTAssertTrue(problem?.message.contains("limits.import_time") ?? false, "\(error)")
        }
    }
}
