import Glibc

/// sd_notify(3) without libsystemd: datagrams to the socket named in $NOTIFY_SOCKET
/// (a path, or an abstract socket when it starts with `@`). Without $NOTIFY_SOCKET (not
/// started by systemd, or in tests) every call does nothing.
package struct SystemdNotifier: Sendable {
    /// The socket address from $NOTIFY_SOCKET; nil when not under systemd.
    package let socketPath: String?
    /// Half of $WATCHDOG_USEC (when the watchdog is meant for this process): how often
    /// to send WATCHDOG=1.
    package let watchdogInterval: Duration?

    package init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        let forUs = environment["WATCHDOG_PID"].flatMap { Int32($0) }.map { $0 == getpid() } ?? true
        if forUs, let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0 {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    package enum State: Sendable, Equatable {
        case ready
        case reloading
        case stopping
        case watchdog
        case status(String)

        package var line: String {
            switch self {
            case .ready: "READY=1"
            case .reloading:
                // systemd 253+ wants the monotonic time with RELOADING=1 (Type=notify-reload).
                "RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())"
            case .stopping: "STOPPING=1"
            case .watchdog: "WATCHDOG=1"
            case .status(let text):
                // One line: a newline would start a new assignment.
                "STATUS=" + text.map { $0.isNewline ? " " : String($0) }.joined()
            }
        }
    }

    /// Sends the states in one datagram. Returns false when it could not be sent
    /// (systemd gone); never throws, since notification is best effort.
    @discardableResult
    package func notify(_ states: State...) -> Bool {
        guard let socketPath else { return true }
        return send(states.map(\.line).joined(separator: "\n"), to: socketPath)
    }

    private func send(_ message: String, to path: String) -> Bool {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(path.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout.offset(of: \sockaddr_un.sun_path)! + pathBytes.count
                               + (pathBytes[0] == 0 ? 0 : 1))
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let sent = message.utf8CString.withUnsafeBufferPointer { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(fd, text.baseAddress, text.count - 1, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        return sent == message.utf8.count
    }

    package static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
