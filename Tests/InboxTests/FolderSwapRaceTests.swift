import Foundation
import Glibc
import Synchronization
import XCTest
import Inbox
import TestSupport

/// A member of the inbox's group who keeps replacing the daemon's `failed/` (and `done/`)
/// with a symbolic link to a folder outside while drops are filed. Whatever the timing,
/// nothing may land outside and every drop must end next to its note.
final class FolderSwapRaceTests: XCTestCase {
    func testSwappingFailedAndDoneForSymlinksNeverLeadsOutside() async throws {
        let box = try TemporaryInbox()
        let outside = box.root + "/outside"
        XCTAssertEqual(mkdir(outside, 0o777), 0)
        // Most drops are bad (a kind the inbox refuses, or refused by the processor) and go to
        // failed/; a quarter go to done/.
        let processor = FakeProcessor { drop, _ in
            drop.originalName.description.hasPrefix("good")
                ? .done(resultJSON: Data("{}".utf8), hash: nil) : .failed(reason: "not a network")
        }
        let pipeline = DropPipeline(inboxes: [box.inbox], processor: processor, settings: .fast,
                                    logger: LogCollector().logger())
        let count = 200
        let names = (0..<count).map { index in
            switch index % 4 {
            case 0: "good\(index).onnx"
            case 1: "bad\(index).onnx"
            default: "bad\(index).docx"
            }
        }
        for name in names { try box.drop(name) }
        try await pipeline.recover()
        let attacker = FolderSwapper(inbox: box.inbox.path, folders: ["failed", "done"], target: outside)
        attacker.start()
        // Only once the attacker is really running: on a busy machine a thread may wait.
        let swapping = await waitUntil { attacker.swaps > 50 }
        XCTAssertTrue(swapping, "the attacker does not run")
        let run = Task { await pipeline.run() }
        let filed = await waitUntil(timeout: .seconds(30)) {
            pipeline.counters.failed + pipeline.counters.done == count
        }
        let swaps = attacker.stop()
        await pipeline.stop()
        await run.value
        XCTAssertTrue(filed, "\(pipeline.counters.failed + pipeline.counters.done) of \(count) filed")
        XCTAssertGreaterThan(swaps, 0, "the attacker never got to swap")

        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside), [], "written outside the inbox")
        XCTAssertEqual(box.names(in: ".work"), [])
        // Wherever the daemon's folders ended up (the attacker renamed them to hidden names),
        // each drop is there exactly once with its note beside it.
        var places: [String: [String]] = [:]
        for folder in try FileManager.default.contentsOfDirectory(atPath: box.inbox.path) where folder != ".work" {
            var status = stat()
            guard lstat(box.path(folder), &status) == 0, status.st_mode & S_IFMT == S_IFDIR else { continue }
            let here = Set(box.names(in: folder))
            for name in here where !name.hasSuffix(".error.txt") && !name.hasSuffix(".result.json") {
                places[name, default: []].append(folder)
                let note = name.hasPrefix("good") ? ".result.json" : ".error.txt"
                XCTAssertTrue(here.contains(name + note), "\(folder)/\(name) without its note")
            }
        }
        for name in names {
            XCTAssertEqual(places[name]?.count, 1, "\(name) is in \(places[name] ?? [])")
        }
        XCTAssertEqual(places.count, count, "only the drops: \(places.keys.sorted().prefix(5))")
    }
}

/// Replaces folders of an inbox by symbolic links on a thread of its own: rename the folder
/// to a hidden name, put a link in its place, remove the link, rename the folder back, as
/// fast as it can, a bounded number of times.
final class FolderSwapper: Sendable {
    private let inbox: String
    private let folders: [String]
    private let target: String
    private let state = Mutex<(stop: Bool, swaps: Int, finished: Bool)>((false, 0, false))

    init(inbox: String, folders: [String], target: String) {
        self.inbox = inbox
        self.folders = folders
        self.target = target
    }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.start()
    }

    var swaps: Int { state.withLock { $0.swaps } }

    /// Stops the loop, waits for it, and returns how many swaps succeeded.
    func stop() -> Int {
        state.withLock { $0.stop = true }
        while !state.withLock({ $0.finished }) { usleep(1000) }
        return state.withLock { $0.swaps }
    }

    private func loop() {
        defer { state.withLock { $0.finished = true } }
        for round in 0..<200_000 {
            if state.withLock({ $0.stop }) { return }
            let folder = inbox + "/" + folders[round % folders.count]
            // A fresh hidden name each time: the daemon never treats it as a drop, and a
            // folder the daemon re-created in the meantime never blocks the next round.
            let stolen = inbox + "/.stolen\(round)"
            guard rename(folder, stolen) == 0 else { continue }
            if symlink(target, folder) == 0 {
                state.withLock { $0.swaps += 1 }
                for _ in 0..<(round % 3) { sched_yield() }
                var status = stat()
                if lstat(folder, &status) == 0, status.st_mode & S_IFMT == S_IFLNK { unlink(folder) }
            }
            // Fails when the daemon already made a new folder with something in it; the
            // stolen one then keeps what was filed into it.
            _ = rename(stolen, folder)
        }
    }
}
