import XCTest
@testable import Engine

final class DatasetSplitTests: XCTestCase {
    private func realList() throws -> LatencyList {
        try LatencyList.load(from: EvalTestData.repoData.appendingPathComponent("latency/gt.txt"))
    }

    func testHoldOutEveryFifthOfEachFamily() throws {
        let records = try realList().records
        let split = try DatasetSplitter.holdOutEveryNth(records)
        XCTAssertEqual(split.test.count, 144)
        XCTAssertEqual(split.train.count, 576)
        for family in Set(records.map(\.family)) {
            let members = records.filter { $0.family == family }
            let expected = stride(from: 4, to: members.count, by: 5).map { members[$0].id }
            XCTAssertEqual(split.test.filter { $0.family == family }.map(\.id), expected, family)
        }
        XCTAssertEqual(Set(split.train.map(\.id)).union(split.test.map(\.id)).count, 720)
        // Interleaved families: position counts per family, not in the whole list.
        struct Tagged: FamilySample { var family: String; var n: Int }
        let mixed = (0..<20).map { Tagged(family: $0 % 2 == 0 ? "a" : "b", n: $0) }
        XCTAssertEqual(try DatasetSplitter.holdOutEveryNth(mixed).test.map(\.n), [8, 9, 18, 19])
        XCTAssertThrowsError(try DatasetSplitter.holdOutEveryNth(Array(mixed.prefix(6))))
    }

    func testLeaveOneFamilyOut() throws {
        let records = try realList().records
        let split = try DatasetSplitter.leaveFamilyOut(records, family: "mnasnet")
        XCTAssertEqual(split.test.count, 80)
        XCTAssertTrue(split.test.allSatisfy { $0.family == "mnasnet" })
        XCTAssertEqual(split.train.count, 640)
        XCTAssertFalse(split.train.contains { $0.family == "mnasnet" })
        let message = EvalTestData.error { _ = try DatasetSplitter.leaveFamilyOut(records, family: "lenet") }
        XCTAssertTrue(message.contains("no family 'lenet' to leave out; families: resnet"), message)
    }

    func testSeededRandomFraction() throws {
        let samples = Array(0..<1000)
        let a = try DatasetSplitter.randomFraction(samples, fraction: 0.1, seed: 7)
        let b = try DatasetSplitter.randomFraction(samples, fraction: 0.1, seed: 7)
        let c = try DatasetSplitter.randomFraction(samples, fraction: 0.1, seed: 8)
        XCTAssertEqual(a.test, b.test)
        XCTAssertNotEqual(a.test, c.test)
        XCTAssertEqual(a.test.count, 100)
        XCTAssertEqual(Set(a.train).union(a.test), Set(samples))
        XCTAssertTrue(Set(a.train).isDisjoint(with: a.test))
        XCTAssertEqual(a.test, a.test.sorted(), "parts keep the original order")
        // Spread over the whole range, not a block.
        XCTAssertLessThan(a.test.first ?? 1000, 100)
        XCTAssertGreaterThan(a.test.last ?? 0, 900)
        XCTAssertEqual(try DatasetSplitter.randomFraction([1, 2], fraction: 0.01, seed: 1).test.count, 1)
        XCTAssertEqual(try DatasetSplitter.randomFraction([1, 2], fraction: 0.99, seed: 1).train.count, 1)
        XCTAssertThrowsError(try DatasetSplitter.randomFraction(samples, fraction: 1.0, seed: 1))
        XCTAssertThrowsError(try DatasetSplitter.randomFraction(samples, fraction: 0, seed: 1))
        XCTAssertThrowsError(try DatasetSplitter.randomFraction([1], fraction: 0.5, seed: 1))
    }

    func testMinibatchScheduleCoversEverySampleOncePerEpoch() throws {
        let schedule = try MinibatchSchedule(sampleCount: 37, batchSize: 8, seed: 42)
        XCTAssertEqual(schedule.stepsPerEpoch, 5)
        let epoch0 = schedule.batches(epoch: 0)
        XCTAssertEqual(epoch0.map(\.count), [8, 8, 8, 8, 5])
        XCTAssertEqual(epoch0.flatMap { $0 }.sorted(), Array(0..<37))
        XCTAssertNotEqual(epoch0.flatMap { $0 }, Array(0..<37), "shuffled")
        XCTAssertEqual(schedule.batches(epoch: 0), epoch0, "deterministic")
        XCTAssertNotEqual(schedule.batches(epoch: 1), epoch0, "each epoch reshuffles")
        XCTAssertEqual(try MinibatchSchedule(sampleCount: 37, batchSize: 8, seed: 42).batches(epoch: 3), schedule.batches(epoch: 3))
        XCTAssertNotEqual(try MinibatchSchedule(sampleCount: 37, batchSize: 8, seed: 43).batches(epoch: 0), epoch0)
        XCTAssertEqual(try MinibatchSchedule(sampleCount: 3, batchSize: 16, seed: 1).batches(epoch: 0).map(\.count), [3])
        XCTAssertThrowsError(try MinibatchSchedule(sampleCount: 0, batchSize: 8, seed: 1))
        XCTAssertThrowsError(try MinibatchSchedule(sampleCount: 8, batchSize: 0, seed: 1))
    }

    func testSplitMixMatchesReferenceSequence() {
        // First outputs of SplitMix64 seeded with 0 (Vigna's reference implementation).
        var generator = SplitMix64(seed: 0)
        XCTAssertEqual(generator.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(generator.next(), 0x6E78_9E6A_A1B9_65F4)
    }
}
