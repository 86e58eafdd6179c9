import Foundation
import Glibc
import Logging
import ServiceLifecycle
import XCTest
import Daemon
import Inbox
import Learning
import TestSupport

private struct BrokenConfig: Error, CustomStringConvertible {
    var description: String { "/etc/narformer/narformer.yaml line 3: inboxes: expected a list" }
}

final class NarformerServiceTests: XCTestCase {
    private func makeGroup(_ service: NarformerService, logger: Logger) -> ServiceGroup {
        ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [], logger: logger))
    }

    func testReadyWatchdogDropReloadAndGracefulStopMidBatch() async throws {
        let box = try TemporaryInbox()
        let socket = try NotifySocket(abstract: false)
        let logs = LogCollector()
        let logger = logs.logger()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address, "WATCHDOG_USEC": "100000"])
        let processor = FakeProcessor(delay: .milliseconds(300))
        let service = NarformerService(
            inboxes: [box.inbox], processor: processor, settings: .fast, notifier: notifier,
            reload: { throw BrokenConfig() }, logger: logger, statusInterval: .milliseconds(20))
        let group = makeGroup(service, logger: logger)
        let running = Task { try await group.run() }

        let sawReady = await socket.receive(containing: "READY=1")
        XCTAssertNotNil(sawReady)
        let sawWatchdog = await socket.receive(containing: "WATCHDOG=1")
        XCTAssertNotNil(sawWatchdog)

        // SIGHUP with a broken new config: logged, old config kept, READY again.
        kill(getpid(), SIGHUP)
        let sawReloading = await socket.receive(containing: "RELOADING=1")
        XCTAssertNotNil(sawReloading)
        let sawReadyAgain = await socket.receive(containing: "READY=1")
        XCTAssertNotNil(sawReadyAgain)
        let reloadLine = logs.all.first { $0.contains("configuration not reloaded") }
        XCTAssertTrue(reloadLine?.contains("line 3: inboxes: expected a list") ?? false, "\(logs.all)")

        // A drop, then a stop while its batch is in the processor: the batch is finished.
        try box.drop("net.onnx")
        let started = await waitUntil { !processor.batches.isEmpty }
        XCTAssertTrue(started)
        await group.triggerGracefulShutdown()
        try await running.value
        XCTAssertEqual(box.names(in: "done"), ["net.onnx", "net.onnx.result.json"])
        let sawStopping = await socket.receive(containing: "STOPPING=1")
        XCTAssertNotNil(sawStopping)
    }

    func testDropsWaitingAtStopArePickedUpByTheNextStart() async throws {
        let box = try TemporaryInbox()
        let logger = LogCollector().logger()
        let first = FakeProcessor(delay: .milliseconds(200))
        for index in 0..<5 { try box.drop("n\(index).onnx") }
        let settings = DropPipeline.Settings(maxBatch: 1, maxDropBytes: 1 << 20,
                                             backoff: .init(initial: .milliseconds(5), maximum: .milliseconds(5)))
        let service = NarformerService(inboxes: [box.inbox], processor: first, settings: settings,
                                       notifier: SystemdNotifier(environment: [:]), reload: {}, logger: logger)
        let group = makeGroup(service, logger: logger)
        let running = Task { try await group.run() }
        _ = await waitUntil { !first.batches.isEmpty }
        await group.triggerGracefulShutdown()
        try await running.value
        let doneFirst = box.names(in: "done").count / 2
        XCTAssertLessThan(doneFirst, 5, "stopped before the whole queue")

        let second = FakeProcessor()
        let restarted = NarformerService(inboxes: [box.inbox], processor: second, settings: settings,
                                         notifier: SystemdNotifier(environment: [:]), reload: {}, logger: logger)
        let group2 = makeGroup(restarted, logger: logger)
        let running2 = Task { try await group2.run() }
        let all = await waitUntil { box.names(in: "done").count == 10 }
        await group2.triggerGracefulShutdown()
        try await running2.value
        XCTAssertTrue(all)
        XCTAssertEqual(first.batches.count + second.batches.count, 5, "each drop processed once")
    }
}
