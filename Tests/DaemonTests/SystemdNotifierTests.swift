import Foundation
import Glibc
import XCTest
import Daemon
import Inbox
import Learning
import TestSupport


final class SystemdNotifierTests: XCTestCase {
    func testDatagramsReachAPathSocketAndAnAbstractSocket() throws {
        for abstract in [false, true] {
            let socket = try NotifySocket(abstract: abstract)
            let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address])
            XCTAssertTrue(notifier.notify(.ready, .status("Watching\n2 inboxes")))
            XCTAssertEqual(socket.receive(), "READY=1\nSTATUS=Watching 2 inboxes")
            notifier.notify(.watchdog)
            XCTAssertEqual(socket.receive(), "WATCHDOG=1")
            notifier.notify(.reloading)
            let reloading = try XCTUnwrap(socket.receive())
            XCTAssertTrue(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="), reloading)
            notifier.notify(.stopping)
            XCTAssertEqual(socket.receive(), "STOPPING=1")
        }
    }

    func testWatchdogIntervalIsHalfTheTimeoutAndOnlyForThisProcess() {
        XCTAssertEqual(SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000"]).watchdogInterval, .seconds(15))
        XCTAssertEqual(SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"])
            .watchdogInterval, .seconds(15))
        XCTAssertNil(SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]).watchdogInterval)
        XCTAssertNil(SystemdNotifier(environment: [:]).watchdogInterval)
    }

    func testWithoutNotifySocketNothingIsSent() {
        let notifier = SystemdNotifier(environment: [:])
        XCTAssertNil(notifier.socketPath)
        XCTAssertTrue(notifier.notify(.ready))
    }
}
