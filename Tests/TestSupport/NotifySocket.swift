import Foundation
import Glibc
import Inbox

/// A datagram socket standing in for systemd's notification socket.
package final class NotifySocket {
    package let fd: Int32
    package let address: String

    /// `abstract`: bind in the abstract namespace (`@name`), as systemd does for user units.
    package init(abstract: Bool) throws {
        let name = "narformer-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        address = abstract ? "@" + name : "/tmp/" + name
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(2 + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw SystemError("bind", path: address) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
        if !address.hasPrefix("@") { unlink(address) }
    }

    /// The next datagram (nil after 5 s). Blocks: for synchronous tests only.
    package func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count < 0 ? nil : String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Datagrams until one contains `text` (nil if none does within `timeout`). Polls
    /// without blocking, so the service under test keeps its threads.
    package func receive(containing text: String, timeout: Duration = .seconds(10)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 {
                let message = String(decoding: buffer[0..<count], as: UTF8.self)
                if message.contains(text) { return message }
            } else {
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        return nil
    }

    /// When each `WATCHDOG=1` arrived during the next `duration`.
    package func watchdogPings(during duration: Duration) async -> [ContinuousClock.Instant] {
        let deadline = ContinuousClock.now + duration
        var buffer = [UInt8](repeating: 0, count: 4096)
        var pings: [ContinuousClock.Instant] = []
        while ContinuousClock.now < deadline {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 {
                if String(decoding: buffer[0..<count], as: UTF8.self).contains("WATCHDOG=1") { pings.append(.now) }
            } else {
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        return pings
    }

    /// The longest time without a ping from `start` to `end`, pings in between counted.
    package static func longestGap(_ pings: [ContinuousClock.Instant], from start: ContinuousClock.Instant,
                                   to end: ContinuousClock.Instant) -> Duration {
        let times = [start] + pings.filter { $0 > start && $0 < end } + [end]
        return zip(times, times.dropFirst()).map { $1 - $0 }.max() ?? .zero
    }
}
