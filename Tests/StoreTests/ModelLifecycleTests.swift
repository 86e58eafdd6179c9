import Foundation
import XCTest
@testable import Store

final class ModelLifecycleTests: XCTestCase {
    private static func model(_ platform: String, _ version: Int, _ state: ModelState) -> ModelRecord {
        ModelRecord(platform: platform, version: version, metrics: ["mape": 0.1 / Double(version)],
                    created: Sample.base.addingTimeInterval(Double(version)), state: state,
                    trainingSetSize: 100 * version, baseVersion: version > 1 ? version - 1 : nil,
                    weightsPath: "/m/\(platform)/\(version).bin", weightsSHA256: Sample.hash(version))
    }

    func testVersionsAndActiveModelPerPlatform() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        XCTAssertEqual(try store.read { try $0.nextModelVersion(platform: "gpu") }, 1)
        try store.write { w in
            try w.putModel(Self.model("gpu", 1, .retired))
            try w.putModel(Self.model("gpu", 2, .active))
            try w.putModel(Self.model("gpu", 300, .candidate))
            try w.putModel(Self.model("gpu2", 7, .active))
            try w.putModel(Self.model("gp", 9, .active))
        }
        try store.read { r in
            XCTAssertEqual(try r.nextModelVersion(platform: "gpu"), 301)
            XCTAssertEqual(try r.nextModelVersion(platform: "gpu2"), 8)
            XCTAssertEqual(try r.nextModelVersion(platform: "gp"), 10)
            XCTAssertEqual(try r.nextModelVersion(platform: "tpu"), 1)
            XCTAssertEqual(try r.models(platform: "gpu").map(\.version), [1, 2, 300])
            XCTAssertEqual(try r.activeModel(platform: "gpu")?.version, 2)
            XCTAssertEqual(try r.activeModel(platform: "gpu2")?.version, 7)
            XCTAssertNil(try r.activeModel(platform: "tpu"))
        }
    }

    func testPromotionRetiresTheOldActiveInTheSameTransaction() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        try store.write { w in
            try w.putModel(Self.model("gpu", 1, .active))
            try w.putModel(Self.model("gpu", 2, .candidate))
            try w.putModel(Self.model("cpu", 1, .active))
        }
        try store.write { try $0.setModelState(platform: "gpu", version: 2, to: .active) }
        try store.read { r in
            XCTAssertEqual(try r.models(platform: "gpu").map(\.state), [.retired, .active])
            XCTAssertEqual(try r.activeModel(platform: "cpu")?.version, 1)
        }

        // A promotion whose transaction fails afterwards leaves the old active in place.
        struct Refused: Error {}
        try store.write { try $0.putModel(Self.model("gpu", 3, .candidate)) }
        XCTAssertThrowsError(try store.write { w in
            try w.setModelState(platform: "gpu", version: 3, to: .active)
            throw Refused()
        })
        XCTAssertEqual(try store.read { try $0.models(platform: "gpu").map(\.state) }, [.retired, .active, .candidate])
    }

    func testConcurrentReadersAlwaysSeeExactlyOneActive() throws {
        let dir = try TemporaryDirectory()
        let store = try NarformerStore(path: dir.path)
        try store.write { try $0.putModel(Self.model("gpu", 1, .active)) }
        let promotions = 60
        let violations = Counter()
        let snapshots = Counter()
        let done = Counter()
        DispatchQueue.concurrentPerform(iterations: 3) { worker in
            if worker == 0 {
                for version in 2...promotions {
                    try? store.write { w in
                        try w.putModel(Self.model("gpu", version, .candidate))
                        try w.setModelState(platform: "gpu", version: version, to: .active)
                    }
                }
                done.add(1)
            } else {
                while done.value == 0 {
                    let active = (try? store.read { try $0.models(platform: "gpu").filter { $0.state == .active }.count }) ?? -1
                    if active != 1 { violations.add(1) }
                    snapshots.add(1)
                }
            }
        }
        XCTAssertEqual(violations.value, 0)
        XCTAssertGreaterThan(snapshots.value, 0)
        try store.read { r in
            XCTAssertEqual(try r.activeModel(platform: "gpu")?.version, promotions)
            XCTAssertEqual(try r.models(platform: "gpu").filter { $0.state == .retired }.count, promotions - 1)
        }
    }
}

/// A thread-safe counter for the concurrency tests.
final class Counter: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var count = 0

    func add(_ amount: Int) { lock.withLock { count += amount } }
    var value: Int { lock.withLock { count } }
}
