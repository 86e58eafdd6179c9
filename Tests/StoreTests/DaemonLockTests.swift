import Foundation
import Glibc
import XCTest
@testable import Store

/// One daemon serves a store: the second lock of the same folder is refused, naming the
/// holder's PID, until the first is released.
final class DaemonLockTests: XCTestCase {
    func testASecondLockIsRefusedNamingTheHolder() throws {
        let dir = try TemporaryDirectory()
        let folder = StoreFolder(path: dir.path)
        var first: DaemonLock? = try DaemonLock(folder: folder)
        XCTAssertEqual(first?.file, folder.daemonLock.path)
        XCTAssertEqual(try String(contentsOfFile: folder.daemonLock.path, encoding: .utf8), "\(getpid())\n")
        XCTAssertThrowsError(try DaemonLock(folder: folder)) { error in
            XCTAssertEqual(error as? DaemonLock.Failure, .held(file: folder.daemonLock.path, pid: getpid()))
            XCTAssertTrue("\(error)".contains("another narformer (pid \(getpid())) is serving this store"), "\(error)")
        }
        first = nil
        // Released: the next daemon takes it.
        XCTAssertNoThrow(try DaemonLock(folder: folder))
    }

    func testALeftOverFileFromAStoppedDaemonIsTakenOver() throws {
        let dir = try TemporaryDirectory()
        let folder = StoreFolder(path: dir.path)
        try "999999999\nsomething longer left behind\n".write(to: folder.daemonLock, atomically: false, encoding: .utf8)
        let lock = try DaemonLock(folder: folder)
        XCTAssertEqual(try String(contentsOfFile: lock.file, encoding: .utf8), "\(getpid())\n")
    }
}
