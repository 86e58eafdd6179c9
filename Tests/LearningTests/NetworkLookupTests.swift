import Engine
import Foundation
import Glibc
import Store
import Synchronization
import XCTest
import Inbox
import Learning
import TestSupport

/// How a measurement's `network:` name is looked up: only files the drop protocol itself
/// would accept, opened without following anything, read from the descriptor that was
/// checked, and found under the name `done/` really stores them as.
final class NetworkLookupTests: XCTestCase {
    private func measurement(_ name: String, latency: Double = 2) -> String {
        "measurements:\n  - network: \"\(name)\"\n    batch_size: 1\n    latency_ms: \(latency)\n"
    }

    private func copyNetwork(_ number: Int, to path: String) throws {
        try FileManager.default.copyItem(atPath: RepositoryData.alexnet(number).path, toPath: path)
    }

    private func hash(_ number: Int) throws -> String {
        try NetworkImporter.importFile(at: RepositoryData.alexnet(number)).contentHash
    }

    private func failure(_ processor: MeasurementDropProcessor, _ drop: ClaimedDrop,
                         file: StaticString = #filePath, line: UInt = #line) async -> String {
        let outcome = await processor.process([drop])[0]
        guard case .failed(let reason) = outcome else {
            XCTFail("not refused: \(outcome)", file: file, line: line)
            return ""
        }
        return reason
    }

    /// A member of the group swaps `done/net.onnx` between the real network and a symbolic
    /// link to another network outside the inbox, as fast as possible, while measurements
    /// naming it are processed: none may be stored against the outside network.
    func testNetworkSwappedForALinkWhileLookedUpIsNeverImportedFromOutside() async throws {
        let space = try LearningWorkspace()
        let numbers = RepositoryData.alexnetNumbers(2)
        let inside = try hash(numbers[0]), outside = try hash(numbers[1])
        XCTAssertNotEqual(inside, outside)
        try copyNetwork(numbers[0], to: space.inbox.path + "/done/net.onnx")
        try copyNetwork(numbers[1], to: space.root + "/outside.onnx")
        XCTAssertEqual(symlink(space.root + "/outside.onnx", space.inbox.path + "/done/.swap"), 0)
        let swapper = NameExchanger(space.inbox.path + "/done/net.onnx", space.inbox.path + "/done/.swap")
        swapper.start()
        let running = await waitUntil { swapper.exchanges > 100 }
        XCTAssertTrue(running, "the swapper does not run")
        let processor = space.processor()
        var stored = 0, refused = 0
        // Until both sides of the swap were seen often enough to have hit the window between
        // a check and a read (bounded: each round takes about a millisecond).
        for round in 0..<3000 where stored < 50 || refused < 50 {
            switch await processor.process([space.claimed("m\(round).yaml", measurement("net.onnx", latency: Double(round + 1)))])[0] {
            case .done: stored += 1
            case .failed(let reason):
                refused += 1
                XCTAssertTrue(reason.contains("symbolic link"), reason)
            case .retryLater(let reason, _): XCTFail("waits: \(reason)")
            }
        }
        _ = swapper.stop()
        XCTAssertGreaterThan(stored, 0)
        XCTAssertGreaterThan(refused, 0, "the link was never seen")
        let hashes = try space.store.read { try $0.measurements(platform: "cpu") }.map(\.graphHash)
        XCTAssertEqual(hashes.count, stored)
        XCTAssertFalse(hashes.contains(outside), "\(hashes.filter { $0 == outside }.count) measurements of the outside network")
        XCTAssertTrue(hashes.allSatisfy { $0 == inside })
    }

    func testHardLinkedNetworkIsRefused() async throws {
        let space = try LearningWorkspace()
        try copyNetwork(RepositoryData.alexnetNumbers(1)[0], to: space.root + "/elsewhere.onnx")
        XCTAssertEqual(link(space.root + "/elsewhere.onnx", space.inbox.path + "/done/net.onnx"), 0)
        let reason = await failure(space.processor(), space.claimed("m.yaml", measurement("net.onnx")))
        XCTAssertTrue(reason.contains("m.yaml:2") && reason.contains("net.onnx") && reason.contains("hard link"), reason)
        XCTAssertEqual(try space.measurementCount(), 0)
    }

    func testNamesTheDropProtocolIgnoresAreRefused() async throws {
        let space = try LearningWorkspace()
        let number = RepositoryData.alexnetNumbers(1)[0]
        for name in [".hidden.onnx", "net.onnx.tmp", "net.onnx.PART", "done", "failed"] {
            if name != "done" && name != "failed" { try copyNetwork(number, to: space.inbox.path + "/" + name) }
            let reason = await failure(space.processor(), space.claimed("m.yaml", measurement(name)))
            XCTAssertTrue(reason.contains("m.yaml:2") && reason.contains("'\(name)'") && reason.contains("ignores"), reason)
        }
        XCTAssertEqual(try space.measurementCount(), 0)
    }

    func testFifoNamedByAMeasurementIsRefusedWithoutHanging() async throws {
        let space = try LearningWorkspace()
        XCTAssertEqual(mkfifo(space.inbox.path + "/done/net.onnx", 0o600), 0)
        XCTAssertEqual(mkfifo(space.inbox.path + "/pipe.onnx", 0o600), 0)
        XCTAssertEqual(symlink(space.inbox.path + "/pipe.onnx", space.inbox.path + "/.work/alias.onnx"), 0)
        for (name, words) in [("net.onnx", "named pipe"), ("alias.onnx", "symbolic link")] {
            let reason = await failure(space.processor(), space.claimed("m.yaml", measurement(name)))
            XCTAssertTrue(reason.contains("m.yaml:2") && reason.contains("'\(name)'") && reason.contains(words), reason)
        }
    }

    /// A network dropped twice under one name is stored as `net.onnx`, then `net-1.onnx`;
    /// the newest is the one a measurement naming `net.onnx` means.
    func testTheNewestStoredNameInDoneIsFound() async throws {
        let space = try LearningWorkspace()
        let numbers = RepositoryData.alexnetNumbers(3)
        try copyNetwork(numbers[0], to: space.inbox.path + "/done/net.onnx")
        try copyNetwork(numbers[1], to: space.inbox.path + "/done/net-1.onnx")
        guard case .done = await space.processor().process([space.claimed("m.yaml", measurement("net.onnx"))])[0] else {
            return XCTFail("not stored")
        }
        // A crash between the note and the move leaves a note without its file: the next
        // file of that name is stored as `other-1.onnx`.
        try Data("{}".utf8).write(to: URL(fileURLWithPath: space.inbox.path + "/done/other.onnx.result.json"))
        try copyNetwork(numbers[2], to: space.inbox.path + "/done/other-1.onnx")
        guard case .done = await space.processor().process([space.claimed("o.yaml", measurement("other.onnx"))])[0] else {
            return XCTFail("other-1.onnx not found")
        }
        let hashes = try space.store.read { try $0.measurements(platform: "cpu") }.map(\.graphHash)
        XCTAssertEqual(Set(hashes), [try hash(numbers[1]), try hash(numbers[2])])
    }

    /// The locator hands over the bytes it checked: a link swapped in after one lookup
    /// changes nothing in what that lookup returned, and the next lookup refuses the link.
    func testLinkSwappedInBetweenTwoLookupsIsRefusedAndNeverRead() throws {
        let space = try LearningWorkspace()
        let inside = space.inbox.path + "/done/net.onnx"
        try Data("inside".utf8).write(to: URL(fileURLWithPath: inside))
        try Data("outside".utf8).write(to: URL(fileURLWithPath: space.root + "/outside.onnx"))
        let locator = InboxNetworkLocator(folders: InboxFolders(path: space.inbox.path))
        guard case .found(let first) = locator.locate("net.onnx") else { return XCTFail("not found") }
        XCTAssertEqual(first.location, "done/net.onnx")
        XCTAssertEqual(unlink(inside), 0)
        XCTAssertEqual(symlink(space.root + "/outside.onnx", inside), 0)
        XCTAssertEqual(String(decoding: first.contents, as: UTF8.self), "inside")
        guard case .refused(let reason) = locator.locate("net.onnx") else { return XCTFail("the link was used") }
        XCTAssertTrue(reason.contains("'net.onnx'") && reason.contains("done/net.onnx") && reason.contains("symbolic link"), reason)
    }

    func testLinkToAFileOutsideIsRefusedInEveryFolder() throws {
        let space = try LearningWorkspace()
        try Data("outside".utf8).write(to: URL(fileURLWithPath: space.root + "/outside.onnx"))
        let locator = InboxNetworkLocator(folders: InboxFolders(path: space.inbox.path))
        for (folder, name) in [("done/", "a.onnx"), ("", "b.onnx"), (".work/", "c.onnx")] {
            XCTAssertEqual(symlink(space.root + "/outside.onnx", space.inbox.path + "/" + folder + name), 0)
            guard case .refused(let reason) = locator.locate(name) else { return XCTFail("\(folder)\(name) was used") }
            XCTAssertTrue(reason.contains("(\(folder)\(name))") && reason.contains("symbolic link"), reason)
        }
    }

    func testFifoIsRefusedByTheLocatorWithoutBlocking() throws {
        let space = try LearningWorkspace()
        XCTAssertEqual(mkfifo(space.inbox.path + "/.work/pipe.onnx", 0o600), 0)
        let locator = InboxNetworkLocator(folders: InboxFolders(path: space.inbox.path))
        guard case .refused(let reason) = locator.locate("pipe.onnx") else { return XCTFail("the fifo was used") }
        XCTAssertTrue(reason.contains("'pipe.onnx' (.work/pipe.onnx)") && reason.contains("named pipe"), reason)
    }
}

/// Exchanges two names atomically (renameat2 RENAME_EXCHANGE) on a thread of its own, as
/// fast as it can, until stopped (at most a bounded number of times).
final class NameExchanger: Sendable {
    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    private let first: String
    private let second: String
    private let state = Mutex<(stop: Bool, exchanges: Int, finished: Bool)>((false, 0, false))

    init(_ first: String, _ second: String) {
        self.first = first
        self.second = second
    }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.start()
    }

    var exchanges: Int { state.withLock { $0.exchanges } }

    /// Stops the loop, waits for it, and returns how many exchanges succeeded.
    func stop() -> Int {
        state.withLock { $0.stop = true }
        while !state.withLock({ $0.finished }) { usleep(1000) }
        return state.withLock { $0.exchanges }
    }

    private func loop() {
        defer { state.withLock { $0.finished = true } }
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return }
        let renameAt2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let exchange: UInt32 = 2  // RENAME_EXCHANGE from linux/fs.h
        for _ in 0..<50_000_000 {
            if state.withLock({ $0.stop }) { return }
            if renameAt2(AT_FDCWD, first, AT_FDCWD, second, exchange) == 0 { state.withLock { $0.exchanges += 1 } }
        }
    }
}
