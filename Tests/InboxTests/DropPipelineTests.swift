import Foundation
import Glibc
import Synchronization
import XCTest
import Inbox
import TestSupport

final class DropPipelineTests: XCTestCase {
    private func start(_ pipeline: DropPipeline) async throws -> Task<Void, Never> {
        try await pipeline.recover()
        return Task { await pipeline.run() }
    }

    func testStartupScanAndWorkRecoveryFileEverythingOnce() async throws {
        let box = try TemporaryInbox()
        let logs = LogCollector()
        let processor = FakeProcessor()
        let pipeline = DropPipeline(inboxes: [box.inbox], processor: processor, settings: .fast, logger: logs.logger())
        try FileManager.default.createDirectory(atPath: box.path(".work"), withIntermediateDirectories: true)
        try Data("crashed".utf8).write(to: URL(fileURLWithPath: box.path(".work", "left.onnx")))
        try box.drop("waiting.onnx")
        try Data("partial".utf8).write(to: URL(fileURLWithPath: box.path("still.onnx.part")))
        let run = try await start(pipeline)
        let filed = await waitUntil { box.names(in: "done").count == 4 }
        await pipeline.stop()
        await run.value
        XCTAssertTrue(filed, "\(box.names(in: "done"))")
        XCTAssertEqual(box.names(in: "done"), ["left.onnx", "left.onnx.result.json", "waiting.onnx", "waiting.onnx.result.json"])
        XCTAssertEqual(box.names(in: ""), [".work", "done", "failed", "still.onnx.part"])
        XCTAssertEqual(processor.batches.first?.first, "left.onnx", "recovered drops go first")
        let line = try XCTUnwrap(logs.all.first { $0.contains("name=waiting.onnx") })
        XCTAssertTrue(line.contains("msg=drop") && line.contains("outcome=done") && line.contains("hash=h7")
                      && line.contains("inbox=lab") && line.contains(" ms="), line)
    }

    func testBurstArrivesInBatchesAndEndsInDoneExactlyOnce() async throws {
        let box = try TemporaryInbox()
        let processor = FakeProcessor(delay: .milliseconds(2))
        let pipeline = DropPipeline(inboxes: [box.inbox], processor: processor, settings: .fast, logger: LogCollector().logger())
        let run = try await start(pipeline)
        let watcher = try InboxWatcher(folders: [box.inbox.path])
        let feeder = Task {
            for await case .arrived(let inbox, let name) in watcher.events { await pipeline.enqueue(inbox: inbox, name: name) }
        }
        for index in 0..<200 { try box.drop("net\(index).onnx", contents: "\(index)") }
        let filed = await waitUntil { box.names(in: "done").count == 400 }
        watcher.stop()
        await feeder.value
        await pipeline.stop()
        await run.value
        XCTAssertTrue(filed, "\(box.names(in: "done").count) files in done/")
        let handed = processor.batches.flatMap { $0 }
        XCTAssertEqual(handed.count, 200, "each drop processed once")
        XCTAssertEqual(Set(handed).count, 200)
        XCTAssertLessThan(processor.batches.count, 200, "the burst was batched")
        XCTAssertTrue(processor.batches.allSatisfy { $0.count <= DropPipeline.Settings.fast.maxBatch })
        XCTAssertFalse(box.names(in: "done").contains { $0.contains("-1") }, "no drop filed twice")
        XCTAssertEqual(pipeline.counters.done, 200)
        XCTAssertEqual(box.names(in: ".work"), [])
    }

    func testUnmovableDropIsRetriedWithBackoffAndNotLost() async throws {
        let box = try TemporaryInbox()
        let logs = LogCollector()
        let refusals = Mutex(0)
        // done/ refuses the first three moves the way a full disk would.
        let mover = FileMover { from, to throws(SystemError) in
            let refuse = to.description.contains("/done/") && refusals.withLock { count in
                count += 1
                return count <= 3
            }
            if refuse { throw SystemError("cannot move", path: to.description, code: ENOSPC) }
            try FileMover.posix.move(from, to)
        }
        let processor = FakeProcessor()
        let pipeline = DropPipeline(inboxes: [box.inbox], processor: processor, settings: .fast,
                                    mover: mover, logger: logs.logger())
        try box.drop("net.onnx")
        let run = try await start(pipeline)
        let filed = await waitUntil { box.names(in: "done") == ["net.onnx", "net.onnx.result.json"] }
        await pipeline.stop()
        await run.value
        XCTAssertTrue(filed)
        XCTAssertEqual(processor.batches.count, 1, "retrying the move does not process again")
        XCTAssertEqual(pipeline.counters.moveErrors, 3)
        let retries = logs.all.filter { $0.contains("outcome=retrying") }
        XCTAssertEqual(retries.count, 3)
        XCTAssertTrue(retries.allSatisfy { $0.contains("No space left on device") }, "\(retries)")
        XCTAssertEqual(retries.map { $0.contains("attempt=3") && $0.contains("retry_in_ms=20") }, [false, false, true])
    }

    func testHeldDropIsHandedOverAgainUntilDecided() async throws {
        let box = try TemporaryInbox()
        let processor = FakeProcessor { drop, _ in
            drop.retries < 2 ? .retryLater(reason: "network not here yet", delay: .milliseconds(10))
                : .failed(reason: "The network this measurement names never arrived.")
        }
        let pipeline = DropPipeline(inboxes: [box.inbox], processor: processor, settings: .fast, logger: LogCollector().logger())
        try box.drop("m.yaml")
        let run = try await start(pipeline)
        let filed = await waitUntil { box.names(in: "failed").count == 2 }
        await pipeline.stop()
        await run.value
        XCTAssertTrue(filed)
        XCTAssertEqual(processor.batches, [["m.yaml"], ["m.yaml"], ["m.yaml"]])
        let note = try String(contentsOfFile: box.path("failed", "m.yaml.error.txt"), encoding: .utf8)
        XCTAssertTrue(note.contains("What is wrong: The network this measurement names never arrived."), note)
        XCTAssertTrue(note.contains("\"m.yaml\"") && note.contains("inbox \"lab\""), note)
        XCTAssertEqual(pipeline.counters.held, 2)
    }

    func testBadDropsFailWithReasonsAndNeverHang() async throws {
        let box = try TemporaryInbox()
        let outside = box.root + "/outside.onnx"
        try Data("secret".utf8).write(to: URL(fileURLWithPath: outside))
        XCTAssertEqual(symlink(outside, box.path("link.onnx")), 0)
        XCTAssertEqual(mkfifo(box.path("pipe.onnx"), 0o600), 0)
        try box.drop("notes.docx")
        try box.drop("good.onnx")
        let processor = FakeProcessor()
        let pipeline = DropPipeline(inboxes: [box.inbox], processor: processor, settings: .fast, logger: LogCollector().logger())
        let run = try await start(pipeline)
        let filed = await waitUntil { box.names(in: "failed").count == 6 && box.names(in: "done").count == 2 }
        await pipeline.stop()
        await run.value
        XCTAssertTrue(filed, "\(box.names(in: "failed")) \(box.names(in: "done"))")
        XCTAssertEqual(processor.batches.flatMap { $0 }, ["good.onnx"], "only the good drop reaches the processor")
        let kindNote = try String(contentsOfFile: box.path("failed", "notes.docx.error.txt"), encoding: .utf8)
        XCTAssertTrue(kindNote.contains("accepts only .json, .onnx, .yaml, .yml files"), kindNote)
        XCTAssertEqual(try String(contentsOfFile: outside, encoding: .utf8), "secret")
    }

    func testDropThatKeepsChangingEventuallyFails() async throws {
        let box = try TemporaryInbox()
        try box.drop("busy.onnx")
        let processor = FakeProcessor()
        let pipeline = DropPipeline(inboxes: [box.inbox], processor: processor, settings: .fast,
                                    logger: LogCollector().logger(), afterReading: { path in
            let fd = path.withCString { open($0, O_WRONLY | O_APPEND) }
            _ = write(fd, "x", 1)
            close(fd)
        })
        let run = try await start(pipeline)
        let filed = await waitUntil { box.names(in: "failed").count == 2 }
        await pipeline.stop()
        await run.value
        XCTAssertTrue(filed)
        XCTAssertEqual(processor.batches, [])
        XCTAssertEqual(pipeline.counters.changing, DropPipeline.Settings.fast.maxChangingReads)
    }

    func testABatchWithoutProgressMakesThePipelineUnresponsiveForTheWatchdog() async throws {
        let box = try TemporaryInbox()
        let processor = FakeProcessor(delay: .seconds(1))
        var settings = DropPipeline.Settings.fast
        settings.stallLimit = .milliseconds(50)
        let pipeline = DropPipeline(inboxes: [box.inbox], processor: processor, settings: settings, logger: LogCollector().logger())
        XCTAssertTrue(pipeline.isResponsive(), "idle is responsive")
        try box.drop("slow.onnx")
        let run = try await start(pipeline)
        _ = await waitUntil { !processor.batches.isEmpty }
        try await Task.sleep(for: .milliseconds(100))
        XCTAssertFalse(pipeline.isResponsive(), "100 ms without progress, 50 ms allowed")
        await pipeline.stop()
        await run.value
        XCTAssertTrue(pipeline.isResponsive())
        XCTAssertEqual(box.names(in: "done").count, 2, "stop waited for the batch")
    }

    func testFailedFolderReplacedByAFileIsReportedUntilRepaired() async throws {
        let box = try TemporaryInbox()
        let logs = LogCollector()
        let processor = FakeProcessor { _, _ in .failed(reason: "not a network") }
        let pipeline = DropPipeline(inboxes: [box.inbox], processor: processor, settings: .fast, logger: logs.logger())
        let run = try await start(pipeline)
        XCTAssertEqual(rmdir(box.path("failed")), 0)
        try Data("in the way".utf8).write(to: URL(fileURLWithPath: box.path("failed")))
        try box.drop("bad.onnx")
        await pipeline.enqueue(inbox: 0, name: DropName("bad.onnx"))
        let reported = await waitUntil { pipeline.counters.moveErrors >= 3 }
        XCTAssertTrue(reported)
        XCTAssertEqual(box.names(in: ".work"), ["bad.onnx"], "kept, not dropped")
        XCTAssertTrue(logs.all.contains { $0.contains("outcome=retrying") && $0.contains("not a folder") })
        XCTAssertEqual(unlink(box.path("failed")), 0)
        let filed = await waitUntil { box.names(in: "failed") == ["bad.onnx", "bad.onnx.error.txt"] }
        await pipeline.stop()
        await run.value
        XCTAssertTrue(filed)
        XCTAssertEqual(processor.batches.count, 1)
    }

    /// `done/` replaced by a link while the daemon runs: the link is removed (its target
    /// untouched), a fresh folder made, and the drop filed there.
    func testSymlinkedDoneFolderIsNeverWrittenThrough() async throws {
        let box = try TemporaryInbox()
        let logs = LogCollector()
        let elsewhere = box.root + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let pipeline = DropPipeline(inboxes: [box.inbox], processor: FakeProcessor(), settings: .fast,
                                    logger: logs.logger())
        let run = try await start(pipeline)
        XCTAssertEqual(rmdir(box.path("done")), 0)
        XCTAssertEqual(symlink(elsewhere, box.path("done")), 0)
        try box.drop("net.onnx")
        await pipeline.enqueue(inbox: 0, name: DropName("net.onnx"))
        let filed = await waitUntil { box.names(in: "done") == ["net.onnx", "net.onnx.result.json"] }
        await pipeline.stop()
        await run.value
        XCTAssertTrue(filed)
        var status = stat()
        XCTAssertEqual(lstat(box.path("done"), &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFDIR, "a real folder again")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: elsewhere), [])
        XCTAssertEqual(box.names(in: ".work"), [])
        XCTAssertTrue(logs.all.contains { $0.contains("level=warning") && $0.contains("was replaced") }, "\(logs.all)")
    }
}
