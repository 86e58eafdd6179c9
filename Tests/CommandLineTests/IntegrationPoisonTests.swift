import Foundation
import Glibc
import XCTest
import Lab
import TestSupport

/// The real daemon against poison pills: a YAML alias bomb under a watchdog, a burst of
/// five 1 GiB drops against its memory, and 1 GiB files that are not networks at all.
final class IntegrationPoisonTests: XCTestCase {
    private func fixture() throws -> DaemonFixture {
        guard let executable = DaemonProcess.locateExecutable() else {
            throw XCTSkip("the narformer binary is not built next to the test bundle; run `swift build` first")
        }
        return try DaemonFixture(executable: executable, batchSizes: [1])
    }

    /// 500 000 aliases of one `cell:` record, about 2.5 MB.
    static func aliasBomb(aliases: Int = 500_000) -> Data {
        var text = "measurements:\n  - &r {cell: '|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|', batch_size: 1, latency_ms: 1.5}\n"
        text.reserveCapacity(aliases * 7 + 200)
        for _ in 0..<aliases { text += "  - *r\n" }
        return Data(text.utf8)
    }

    func testAnAliasBombIsFailedQuicklyWhileThePingsGoOnAndAnotherInboxFlows() async throws {
        let f = try fixture()
        let socket = try NotifySocket(abstract: false)
        let daemon = try DaemonProcess(executable: f.executable, config: f.configFile, logFile: f.logFile,
                                       environment: ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "1000000"])
        defer { daemon.kill() }
        let ready = await socket.receive(containing: "READY=1", timeout: .seconds(30))
        XCTAssertNotNil(ready, f.log)

        let bomb = Self.aliasBomb()
        let dropped = ContinuousClock.now
        try f.drop(bomb, as: "bomb.yaml", into: f.nets)
        try f.drop(Data(DaemonFixture.cellJSON.utf8), as: "cell.json", into: f.cells)
        let pings = await socket.watchdogPings(during: .seconds(4))
        let bombFiled = await f.waitUntilFiled(1, in: f.nets, timeout: .seconds(10))
        let cellFiled = await f.waitUntilFiled(1, in: f.cells, timeout: .seconds(10))
        XCTAssertTrue(bombFiled && cellFiled, f.log)
        XCTAssertEqual(f.names(f.nets, "failed"), ["bomb.yaml"], f.log)
        let note = f.errorNote("bomb.yaml", in: f.nets)
        XCTAssertTrue(note.contains("more than 100000 records"), note)
        XCTAssertEqual(f.names(f.cells, "done"), ["cell.json"], f.errorNote("cell.json", in: f.cells))
        // Pings every 0.5 s (WATCHDOG_USEC is 1 s) all along.
        let gap = NotifySocket.longestGap(pings, from: dropped + .milliseconds(600), to: dropped + .seconds(4))
        XCTAssertLessThan(gap, .milliseconds(900), "\(pings.count) pings in 4 s")
        XCTAssertTrue(daemon.isRunning)
        print("alias bomb (\(bomb.count) bytes): \(pings.count) watchdog pings in 4 s, longest gap \(gap)")
    }

    /// A sparse file of `bytes` made in no time: zeros, after `opening` when given.
    private static func sparseDrop(_ bytes: Int, opening: [UInt8] = [], as name: String, into inbox: String) {
        let temporary = inbox + "/" + name + ".tmp"
        let fd = open(temporary, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(ftruncate(fd, off_t(bytes)), 0)
        XCTAssertEqual(opening.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, opening.count)
        close(fd)
        XCTAssertEqual(rename(temporary, inbox + "/" + name), 0)
    }

    /// An ONNX opening that looks sound (field 7, the graph, as long as the rest of a file
    /// of `bytes`) so that the file is read whole before the import finds zeros inside.
    private static func soundLookingONNXOpening(fileBytes: Int) -> [UInt8] {
        var length = UInt64(fileBytes - 1 - 5)
        var varint: [UInt8] = []
        for _ in 0..<5 {
            varint.append(UInt8(length & 0x7F) | 0x80)
            length >>= 7
        }
        varint[4] &= 0x7F
        return [0x3A] + varint
    }

    func testFiveOneGibibyteDropsStayUnderOnePointFiveGibibytes() async throws {
        let f = try fixture()
        let daemon = try await f.start()
        defer { daemon.kill() }
        let baseline = daemon.peakResidentBytes ?? 0
        let started = ContinuousClock.now
        for index in 0..<5 {
            // Read back whole as 1 GiB (its opening passes the first look), then not a network.
            Self.sparseDrop(1 << 30, opening: Self.soundLookingONNXOpening(fileBytes: 1 << 30),
                            as: "huge\(index).onnx", into: f.nets)
        }
        // Each 1 GiB is read whole before it fails (10-20 s each on a slow disk or CPU).
        let filed = await f.waitUntilFiled(5, in: f.nets, timeout: .seconds(180))
        XCTAssertTrue(filed, f.log)
        let peak = try XCTUnwrap(daemon.peakResidentBytes)
        let seconds = ContinuousClock.now - started
        print("5 x 1 GiB burst: daemon VmHWM \(peak >> 20) MiB (\(baseline >> 20) MiB before), \(seconds)")
        XCTAssertEqual(f.names(f.nets, "failed").count, 5)
        let note = f.errorNote("huge0.onnx", in: f.nets)
        XCTAssertTrue(note.contains("a field number is zero"), note)
        XCTAssertLessThan(peak, 3 << 29, "one 1 GiB drop at a time: VmHWM \(peak >> 20) MiB")
    }

    func testAGibibyteOfZerosIsRefusedOnItsFirstBytesWithoutBeingRead() async throws {
        let f = try fixture()
        let daemon = try await f.start()
        defer { daemon.kill() }
        let baseline = try XCTUnwrap(daemon.peakResidentBytes)
        let started = ContinuousClock.now
        Self.sparseDrop(1 << 30, as: "zeros.onnx", into: f.nets)
        Self.sparseDrop(1 << 30, opening: Array("[\"not a graph\"".utf8), as: "list.json", into: f.nets)
        let filed = await f.waitUntilFiled(2, in: f.nets, timeout: .seconds(30))
        XCTAssertTrue(filed, f.log)
        let seconds = ContinuousClock.now - started
        let peak = try XCTUnwrap(daemon.peakResidentBytes)
        print("2 x 1 GiB not networks: filed in \(seconds), VmHWM \(peak >> 20) MiB (\(baseline >> 20) MiB before)")
        XCTAssertEqual(f.names(f.nets, "failed"), ["list.json", "zeros.onnx"])
        let zeros = f.errorNote("zeros.onnx", in: f.nets)
        XCTAssertTrue(zeros.contains("zeros.onnx: not a valid ONNX file: a field number is zero"), zeros)
        let list = f.errorNote("list.json", in: f.nets)
        XCTAssertTrue(list.contains("its first character is not '{'"), list)
        // Neither was read: the daemon's peak stays far below one of them.
        XCTAssertLessThan(peak - baseline, 256 << 20, "VmHWM \(peak >> 20) MiB after \(baseline >> 20) MiB")
    }

    /// A graph JSON chain of `count` activations: legitimate, and slow enough to import
    /// (seconds) that a kill lands while it is in progress.
    static func chain(_ count: Int) -> Data {
        var nodes: [String] = []
        nodes.reserveCapacity(count)
        for index in 0..<count {
            nodes.append(#"{"name": "n\#(index)", "op": "\#(index % 2 == 0 ? "Relu" : "Sigmoid")", "inputs": ["\#(index == 0 ? "x" : "n\(index - 1)")"]}"#)
        }
        return Data((#"{"format": "narformer-graph", "version": 1, "name": "chain", "inputs": [{"name": "x", "shape": [1, 64]}], "nodes": ["#
                     + nodes.joined(separator: ", ") + "]}").utf8)
    }

    /// The count in the start mark of the one drop in `.work/` (nil while there is none).
    private static func startMark(in inbox: String) -> String? {
        let work = inbox + "/.work"
        guard let mark = ((try? FileManager.default.contentsOfDirectory(atPath: work)) ?? [])
            .first(where: { $0.hasPrefix(".starts-") && !$0.hasSuffix(".tmp") }) else { return nil }
        return try? String(contentsOfFile: work + "/" + mark, encoding: .utf8)
    }

    func testADropInProgressAtThreeKillsIsFailedAtTheFourthStart() async throws {
        let f = try fixture()
        for round in 1...3 {
            let daemon = try await f.start()
            if round == 1 { try f.drop(Self.chain(20_000), as: "big.json", into: f.nets) }
            let marked = await waitUntil(timeout: .seconds(30)) { Self.startMark(in: f.nets) == "\(round)\n" }
            XCTAssertTrue(marked, "round \(round): \(Self.startMark(in: f.nets) ?? "no mark"); \(f.log)")
            daemon.kill()
        }
        XCTAssertEqual(f.names(f.nets, "done") + f.names(f.nets, "failed"), [], "killed in progress every time")
        let daemon = try await f.start()
        defer { daemon.kill() }
        let filed = await f.waitUntilFiled(1, in: f.nets, timeout: .seconds(30))
        XCTAssertTrue(filed, f.log)
        XCTAssertEqual(f.names(f.nets, "failed"), ["big.json"])
        let note = f.errorNote("big.json", in: f.nets)
        XCTAssertTrue(note.contains("it stopped the daemon 3 times"), note)
        // The mark goes just after the drop is filed (a test under load can look between).
        let cleared = await waitUntil(timeout: .seconds(5)) { f.names(f.nets, ".work").isEmpty }
        XCTAssertTrue(cleared, "nothing left behind, no mark either: \(f.names(f.nets, ".work"))")
        // The inbox goes on.
        try f.drop(Data(DaemonFixture.graphJSON.utf8), as: "after.json", into: f.nets)
        let next = await f.waitUntilFiled(2, in: f.nets, timeout: .seconds(30))
        XCTAssertTrue(next && f.names(f.nets, "done") == ["after.json"], f.log)
    }
}
