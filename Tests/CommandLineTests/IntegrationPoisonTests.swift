import Foundation
import Glibc
import XCTest
import Lab
import TestSupport

/// The real daemon against poison pills: a YAML alias bomb under a watchdog, and a burst of
/// five 1 GiB drops against its memory.
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

    func testFiveOneGibibyteDropsStayUnderOnePointFiveGibibytes() async throws {
        let f = try fixture()
        let daemon = try await f.start()
        defer { daemon.kill() }
        let baseline = daemon.peakResidentBytes ?? 0
        let started = ContinuousClock.now
        for index in 0..<5 {
            // Sparse: made in no time, read back as 1 GiB of zeros (not a network: failed).
            let temporary = f.nets + "/huge\(index).onnx.tmp"
            let fd = open(temporary, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
            XCTAssertGreaterThanOrEqual(fd, 0)
            XCTAssertEqual(ftruncate(fd, 1 << 30), 0)
            close(fd)
            XCTAssertEqual(rename(temporary, f.nets + "/huge\(index).onnx"), 0)
        }
        let filed = await f.waitUntilFiled(5, in: f.nets, timeout: .seconds(60))
        XCTAssertTrue(filed, f.log)
        let peak = try XCTUnwrap(daemon.peakResidentBytes)
        let seconds = ContinuousClock.now - started
        print("5 x 1 GiB burst: daemon VmHWM \(peak >> 20) MiB (\(baseline >> 20) MiB before), \(seconds)")
        XCTAssertEqual(f.names(f.nets, "failed").count, 5)
        XCTAssertLessThan(peak, 3 << 29, "one 1 GiB drop at a time: VmHWM \(peak >> 20) MiB")
    }
}
