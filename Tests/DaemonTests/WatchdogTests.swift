import Foundation
import Glibc
import Logging
import ServiceLifecycle
import XCTest
import Daemon
import Inbox
import TestSupport

/// The watchdog pings from a thread of its own while the drop pipeline moves: a long drop
/// whose import reports its phases keeps the pings coming; a drop that stops moving for
/// longer than the stall limit stops them, as a hung daemon must.
final class WatchdogTests: XCTestCase {
    func testALongDropThatMovesKeepsThePingsAndAStuckOneStopsThem() async throws {
        let box = try TemporaryInbox()
        let socket = try NotifySocket(abstract: false)
        let logs = LogCollector()
        let processor = FakeProcessor { drop, _ in
            // Synchronous work, as an import is: 1.2 s, with or without reporting progress.
            let moving = drop.originalName.description.hasPrefix("long")
            let end = ContinuousClock.now + .milliseconds(1200)
            while ContinuousClock.now < end {
                if moving { drop.progress?.beat() }
                usleep(20_000)
            }
            return .done(resultJSON: Data("{}".utf8), hash: nil)
        }
        var settings = DropPipeline.Settings.fast
        settings.stallLimit = .milliseconds(400)
        let service = NarformerService(
            inboxes: [box.inbox], processor: processor, settings: settings,
            notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "100000"]),
            reload: {}, logger: logs.logger(), statusInterval: .seconds(5))
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [], logger: logs.logger()))
        let running = Task { try await group.run() }
        let ready = await socket.receive(containing: "READY=1")
        XCTAssertNotNil(ready)

        try box.drop("long.onnx")
        let longStarted = await waitUntil { !processor.batches.isEmpty }
        XCTAssertTrue(longStarted)
        let longFrom = ContinuousClock.now
        let longPings = await socket.watchdogPings(during: .milliseconds(1000))
        let longGap = NotifySocket.longestGap(longPings, from: longFrom, to: longFrom + .milliseconds(1000))
        XCTAssertLessThan(longGap, .milliseconds(300), "pings every 50 ms while the long drop moves: \(longPings.count) pings")
        _ = await waitUntil { box.names(in: "done").count == 2 }

        try box.drop("stuck.onnx")
        let stuckStarted = await waitUntil { processor.batches.count == 2 }
        XCTAssertTrue(stuckStarted)
        let stuckFrom = ContinuousClock.now
        let stuckPings = await socket.watchdogPings(during: .milliseconds(1000))
        // The stall limit is 400 ms: from then until the drop ends, nothing.
        let quiet = stuckPings.filter { $0 > stuckFrom + .milliseconds(500) && $0 < stuckFrom + .milliseconds(1000) }
        XCTAssertEqual(quiet.count, 0, "no ping while the drop is stuck")
        XCTAssertTrue(logs.all.contains { $0.contains("made no progress") }, "\(logs.all.suffix(5))")
        // Once it ends, the pings come back.
        let resumed = await socket.receive(containing: "WATCHDOG=1", timeout: .seconds(3))
        XCTAssertNotNil(resumed)

        await group.triggerGracefulShutdown()
        try await running.value
    }
}
