import Foundation
import Glibc

/// A `narformer serve` child process, for `narformer bench daemon` and the integration
/// tests: started with a config, its stdout and stderr appended to a log file.
package final class DaemonProcess {
    private let process = Process()
    package let logFile: String

    package init(executable: String, config: String, logFile: String, environment: [String: String] = [:]) throws {
        self.logFile = logFile
        if !FileManager.default.fileExists(atPath: logFile) {
            _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        }
        guard let log = FileHandle(forWritingAtPath: logFile) else {
            throw DaemonProcessError(description: "cannot write the daemon's log file \(logFile)")
        }
        log.seekToEndOfFile()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--config", config]
        process.standardOutput = log
        process.standardError = log
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        do {
            try process.run()
        } catch {
            throw DaemonProcessError(description: "cannot start \(executable): \(error.localizedDescription)")
        }
        try? log.close()
    }

    package var pid: Int32 { process.processIdentifier }
    package var isRunning: Bool { process.isRunning }

    package func send(_ signal: Int32) { Glibc.kill(pid, signal) }

    /// The exit status once the process ended within `timeout`; nil when it still runs.
    /// A process ended by a signal reports 128 + the signal number.
    package func waitForExit(timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { return nil }
            usleep(5_000)
        }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Stops the process for good (SIGKILL), waiting until it is gone.
    package func kill() {
        guard process.isRunning else { return }
        send(SIGKILL)
        process.waitUntilExit()
    }

    /// Resident memory (VmRSS) in bytes, nil when it cannot be read.
    package var residentBytes: Int? { statusBytes("VmRSS:") }

    /// The most resident memory the process has had (VmHWM) in bytes.
    package var peakResidentBytes: Int? { statusBytes("VmHWM:") }

    /// A size line of /proc/PID/status (kB) in bytes.
    private func statusBytes(_ key: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return nil }
        let digits = line.split(separator: " ").compactMap { Int($0) }.first
        return digits.map { $0 * 1024 }
    }

    /// The built `narformer` next to the running executable or test bundle.
    package static func locateExecutable() -> String? {
        var candidates: [String] = []
        if let main = Bundle.main.executableURL { candidates.append(main.deletingLastPathComponent().appendingPathComponent("narformer").path) }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(URL(fileURLWithPath: bundle.bundlePath).deletingLastPathComponent().appendingPathComponent("narformer").path)
        }
        if let arg = CommandLine.arguments.first(where: { $0.hasSuffix(".xctest") }) {
            candidates.append(URL(fileURLWithPath: arg).deletingLastPathComponent().appendingPathComponent("narformer").path)
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

package struct DaemonProcessError: Error, CustomStringConvertible {
    package var description: String

    package init(description: String) {
        self.description = description
    }
}
