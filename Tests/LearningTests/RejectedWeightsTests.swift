import Foundation
import Learning
import Store
import XCTest

/// What bounding the models folder may and may not delete (`RejectedWeights`).
final class RejectedWeightsTests: XCTestCase {
    private func record(_ space: LearningWorkspace, version: Int, state: ModelState, folder: String? = nil,
                        removed: Date? = nil) throws -> ModelRecord {
        let path = (folder ?? space.modelsPath) + "/cpu-v\(version).safetensors"
        try Data("weights of v\(version)".utf8).write(to: URL(fileURLWithPath: path))
        let record = ModelRecord(platform: "cpu", version: version, metrics: ["mape": 10], state: state, trainingSetSize: 5,
                                 baseVersion: nil, weightsPath: path, weightsSHA256: try ModelRecord.sha256(ofFileAt: path),
                                 weightsRemoved: removed)
        try space.store.write { try $0.putModel(record) }
        return record
    }

    private func prune(_ space: LearningWorkspace, keep: Int) throws -> RejectedWeights.Removal {
        try RejectedWeights.prune(platform: "cpu", keep: keep, modelsDirectory: space.modelsPath, store: space.store,
                                  now: Date(timeIntervalSince1970: 1_800_000_000))
    }

    func testOnlyRejectedVersionsPastTheNewestKeptLoseTheirFiles() throws {
        let space = try LearningWorkspace()
        let records = try [(1, ModelState.retired), (2, .rejected), (3, .held), (4, .rejected), (5, .active), (6, .rejected)]
            .map { try record(space, version: $0.0, state: $0.1) }
        XCTAssertEqual(try prune(space, keep: 2).versions, [2])
        XCTAssertEqual(records.map { FileManager.default.fileExists(atPath: $0.weightsPath) },
                       [true, false, true, true, true, true])
        XCTAssertEqual(try prune(space, keep: 2), RejectedWeights.Removal(), "a second pass has nothing to do")
        XCTAssertEqual(try prune(space, keep: 0).versions, [4, 6])
        let stored = try space.store.read { try $0.models(platform: "cpu") }
        XCTAssertEqual(stored.map { $0.weightsRemoved != nil }, [false, true, false, true, false, true])
        XCTAssertEqual(stored.map(\.state), records.map(\.state), "states are not changed")
    }

    func testAFileThatIsNotTheRecordsOrLiesElsewhereIsLeftInPlace() throws {
        let space = try LearningWorkspace()
        let swapped = try record(space, version: 1, state: .rejected)
        try Data("something else".utf8).write(to: URL(fileURLWithPath: swapped.weightsPath))
        let elsewhere = space.root + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let outside = try record(space, version: 2, state: .rejected, folder: elsewhere)
        _ = try record(space, version: 3, state: .rejected)

        let removal = try prune(space, keep: 1)
        XCTAssertEqual(removal.versions, [])
        XCTAssertEqual(removal.problems.count, 2, "\(removal.problems)")
        XCTAssertTrue(removal.problems.contains { $0.contains("(v1)") && $0.contains("SHA-256 differs") }, "\(removal.problems)")
        XCTAssertTrue(removal.problems.contains { $0.contains("(v2)") && $0.contains("not in the models folder") },
                      "\(removal.problems)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: swapped.weightsPath))
        XCTAssertTrue(FileManager.default.fileExists(atPath: outside.weightsPath))
        let stored = try space.store.read { try $0.models(platform: "cpu") }
        XCTAssertEqual(stored.map { $0.weightsRemoved != nil }, [false, false, false], "what is left in place is not marked")
    }

    /// A crash between marking the records and deleting the files leaves a file that no
    /// pass would otherwise look at again.
    func testAFileACrashLeftBehindIsDeletedByTheNextPass() throws {
        let space = try LearningWorkspace()
        let leftover = try record(space, version: 1, state: .rejected, removed: Date(timeIntervalSince1970: 1_700_000_000))
        let removal = try prune(space, keep: 5)
        XCTAssertEqual(removal.versions, [1])
        XCTAssertFalse(FileManager.default.fileExists(atPath: leftover.weightsPath))
    }

    func testTheRemovalDateTravelsThroughTheStoreAndOldRecordsReadWithoutIt() throws {
        let space = try LearningWorkspace()
        let when = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try record(space, version: 1, state: .rejected, removed: when)
        _ = try record(space, version: 2, state: .rejected)
        let stored = try space.store.read { try $0.models(platform: "cpu") }
        XCTAssertEqual(stored.map(\.weightsRemoved), [when, nil])
        let json = String(decoding: try StoreJSON.encode(stored[1]), as: UTF8.self)
        XCTAssertFalse(json.contains("weightsRemoved"), json)
    }
}
