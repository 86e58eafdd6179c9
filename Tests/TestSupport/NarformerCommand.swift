import Foundation
import XCTest

/// Runs the built `narformer` executable as a user would, for the test targets that check
/// its command line (exit status and output), not its Swift API.
public enum NarformerCommand {
    /// The executable beside the test runner in the build folder (`swift build
    /// --build-tests` builds both); the calling test is skipped when it is not there.
    public static func executable(_ name: String = "narformer") throws -> URL {
        let folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let executable = folder.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw XCTSkip("no \(name) executable in \(folder.path); build it with `swift build --build-tests`")
        }
        return executable
    }

    /// Runs `narformer arguments...` to the end; returns its exit status and its standard
    /// output, with standard error interleaved unless `includeStandardError` is false.
    /// `environment` is added to this process's environment (e.g. a private token cache).
    public static func run(_ arguments: [String], includeStandardError: Bool = true,
                           environment: [String: String] = [:],
                           executable name: String = "narformer") throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try executable(name)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = includeStandardError ? pipe : FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
