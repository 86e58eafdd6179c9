import Foundation
import Glibc
import Synchronization
import XCTest
import Inbox
import TestSupport

/// Drops that could stop the daemon or hold up everyone else: a drop that was in progress
/// at every stop, batches that would read too much at once, and a slow drop in one inbox.
final class PoisonPillTests: XCTestCase {
    private func start(_ pipeline: DropPipeline) async throws -> Task<Void, Never> {
        try await pipeline.recover()
        return Task { await pipeline.run() }
    }

    private func leaveInWork(_ box: TemporaryInbox, _ name: String, unfinishedStarts: Int) throws {
        let folders = InboxFolders(path: box.inbox.path)
        try folders.prepare()
        try Data("claimed before the stop".utf8).write(to: URL(fileURLWithPath: box.path(".work", name)))
        let marks = StartMarks(folders: folders)
        // What each of the earlier runs left behind: its start recorded, never finished.
        for _ in 0..<unfinishedStarts { try marks.recordStart(of: DropName(name)) }
        XCTAssertEqual(marks.count(of: DropName(name)), unfinishedStarts)
    }

    func testADropThatStoppedTheDaemonThreeTimesIsFailedNotTriedAgain() async throws {
        let box = try TemporaryInbox()
        try leaveInWork(box, "pill.onnx", unfinishedStarts: 3)
        try leaveInWork(box, "unlucky.onnx", unfinishedStarts: 1)
        try box.drop("fresh.onnx")
        let processor = FakeProcessor()
        let pipeline = DropPipeline(inboxes: [box.inbox], processor: processor, settings: .fast, logger: LogCollector().logger())
        let filed = try await pipeline.run { box.names(in: "done").count == 4 && box.names(in: "failed").count == 2 }
        XCTAssertTrue(filed, "done: \(box.names(in: "done")), failed: \(box.names(in: "failed"))")
        XCTAssertEqual(box.names(in: "failed"), ["pill.onnx", "pill.onnx.error.txt"])
        let note = try String(contentsOfFile: box.path("failed", "pill.onnx.error.txt"), encoding: .utf8)
        XCTAssertTrue(note.contains("stopped the daemon 3 times"), note)
        XCTAssertFalse(processor.batches.joined().contains("pill.onnx"), "the pill never reached the processor")
        // The drop in progress at one stop is tried again, alone, and its mark goes with it.
        XCTAssertTrue(processor.batches.contains(["unlucky.onnx"]), "\(processor.batches)")
        XCTAssertEqual(box.names(in: ".work"), [], "no mark is left behind")
    }

    func testEachStartIsRecordedBeforeTheProcessorRunsAndClearedAfter() async throws {
        let box = try TemporaryInbox()
        let folders = InboxFolders(path: box.inbox.path)
        let seen = Mutex<[Int]>([])
        let processor = FakeProcessor { drop, _ in
            seen.withLock { $0.append(StartMarks(folders: folders).count(of: drop.originalName)) }
            return .done(resultJSON: Data("{}".utf8), hash: nil)
        }
        let pipeline = DropPipeline(inboxes: [box.inbox], processor: processor, settings: .fast, logger: LogCollector().logger())
        try box.drop("net.onnx")
        let filed = try await pipeline.run { box.names(in: "done").count == 2 }
        XCTAssertTrue(filed)
        XCTAssertEqual(seen.withLock { $0 }, [1], "the start is on disk while the processor works")
        XCTAssertEqual(box.names(in: ".work"), [])
    }

    func testABatchReadsNoMoreThanItsByteBudgetAndALargerDropGoesAlone() async throws {
        let box = try TemporaryInbox()
        var settings = DropPipeline.Settings.fast
        settings.batchBytes = 2500
        let processor = FakeProcessor()
        let pipeline = DropPipeline(inboxes: [box.inbox], processor: processor, settings: settings, logger: LogCollector().logger())
        for index in 0..<6 { try box.drop("n\(index).onnx", contents: String(repeating: "x", count: 1000)) }
        try box.drop("large.onnx", contents: String(repeating: "x", count: 4000))
        let filed = try await pipeline.run { box.names(in: "done").count == 14 }
        XCTAssertTrue(filed, "\(box.names(in: "done"))")
        let batches = processor.batches
        XCTAssertTrue(batches.contains(["large.onnx"]), "\(batches)")
        for batch in batches where batch != ["large.onnx"] {
            XCTAssertLessThanOrEqual(batch.count, 2, "1000-byte drops, 2500 bytes a batch: \(batches)")
        }
    }

    func testASlowDropInOneInboxDoesNotHoldUpAnother() async throws {
        let slowBox = try TemporaryInbox()
        let quickBox = try TemporaryInbox()
        let quick = InboxDescriptor(name: "quick", path: quickBox.inbox.path, platform: "cpu", batchSizes: [1],
                                    acceptedExtensions: quickBox.inbox.acceptedExtensions)
        let release = Atomic(false)
        let processor = FakeProcessor { drop, _ in
            // Synchronous, as an import is: this holds its thread until released (at most 60 s).
            if drop.originalName.description.hasPrefix("slow") {
                let deadline = ContinuousClock.now + .seconds(60)
                while !release.load(ordering: .relaxed) && ContinuousClock.now < deadline { usleep(1000) }
            }
            return .done(resultJSON: Data("{}".utf8), hash: nil)
        }
        let pipeline = DropPipeline(inboxes: [slowBox.inbox, quick], processor: processor, settings: .fast,
                                    logger: LogCollector().logger())
        let run = try await start(pipeline)
        try slowBox.drop("slow.onnx")
        await pipeline.rescan(inbox: 0)
        let slowStarted = await waitUntil { processor.batches.joined().contains("slow.onnx") }
        XCTAssertTrue(slowStarted)
        let dropped = ContinuousClock.now
        // Several, so that Swift's shared threads (one per core) would be taken if the
        // slow work ran on them.
        for index in 0..<4 { try quickBox.drop("quick\(index).onnx") }
        await pipeline.rescan(inbox: 1)
        let quickDone = await waitUntil(timeout: .seconds(10)) { quickBox.names(in: "done").count == 8 }
        let waited = ContinuousClock.now - dropped
        XCTAssertTrue(quickDone, "quick inbox: \(quickBox.names(in: "done"))")
        XCTAssertLessThan(waited, .seconds(3), "the quick inbox waited \(waited) behind the slow drop")
        XCTAssertEqual(slowBox.names(in: "done"), [], "the slow drop is still in progress")
        XCTAssertTrue(pipeline.isResponsive(), "a fresh batch is within the stall limit")
        release.store(true, ordering: .relaxed)
        let slowDone = await waitUntil { slowBox.names(in: "done").count == 2 }
        XCTAssertTrue(slowDone)
        await pipeline.stop()
        await run.value
    }
}
