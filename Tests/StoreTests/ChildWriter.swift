import Foundation
import XCTest
@testable import Store

/// A writer in another process: the test binary re-executed with only `ChildWriterEntry`
/// selected and the mode in the environment, so the multi-process tests need no extra target.
enum ChildWriter {
    static let modeVariable = "NARFORMER_STORE_TEST_CHILD_MODE"
    static let pathVariable = "NARFORMER_STORE_TEST_CHILD_PATH"
    static let testSelector = "StoreTests.ChildWriterEntry/testChildWriter"

    enum Mode: String {
        /// Writes numbered records forever, one transaction each, printing "committed N".
        case crashable
        /// Writes `concurrentRounds` rounds, each a batch plus its round number in one transaction.
        case rounds
    }

    static let concurrentRounds = 120
    static let measurementsPerRound = 10
    static let blobSize = 2048

    /// Starts the child. Fails (with XCTSkip) where the test binary cannot be re-executed.
    static func launch(_ mode: Mode, path: String, output: Any) throws -> Process {
        #if os(Linux)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = [testSelector]
        var environment = ProcessInfo.processInfo.environment
        environment[modeVariable] = mode.rawValue
        environment[pathVariable] = path
        process.environment = environment
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return process
        #else
        throw XCTSkip("re-executing the XCTest binary as a child writer is implemented for Linux only")
        #endif
    }

    /// The records of crash-test step `index`: a graph and a measurement, both derived from it.
    static func graph(_ index: Int) -> GraphRecord { Sample.graph(index, size: blobSize) }
    static func measurement(_ index: Int) -> LatencyMeasurement { Sample.measurement(index, platform: "crash") }

    static func runCrashable(path: String) throws {
        let store = try NarformerStore(path: path, mapSize: 256 << 10)
        let start = (try store.read { try $0.meta("committed") }).flatMap { Int($0) } ?? 0
        for index in (start + 1)... {
            try store.write { w in
                try w.putGraph(graph(index))
                try w.putMeasurement(measurement(index))
                try w.setMeta("committed", String(index))
            }
            FileHandle.standardOutput.write(Data("committed \(index)\n".utf8))
        }
    }

    static func runRounds(path: String) throws {
        let store = try NarformerStore(path: path, mapSize: 64 << 10)
        for round in 1...concurrentRounds {
            try store.write { w in
                for j in 0..<measurementsPerRound {
                    try w.putMeasurement(Sample.measurement(round * 1000 + j, platform: "rounds"))
                }
                try w.putGraph(Sample.graph(round, size: 16 << 10))
                try w.setMeta("round", String(round))
            }
        }
    }
}

final class ChildWriterEntry: XCTestCase {
    /// The child process's body; in an ordinary test run there is no child mode and it skips.
    func testChildWriter() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let rawMode = environment[ChildWriter.modeVariable], let path = environment[ChildWriter.pathVariable] else {
            throw XCTSkip("runs only as the child writer process started by MultiProcessTests")
        }
        guard let mode = ChildWriter.Mode(rawValue: rawMode) else {
            return XCTFail("unknown child mode '\(rawMode)'")
        }
        switch mode {
        case .crashable: try ChildWriter.runCrashable(path: path)
        case .rounds: try ChildWriter.runRounds(path: path)
        }
    }
}
