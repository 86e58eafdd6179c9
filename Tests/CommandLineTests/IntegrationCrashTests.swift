import Engine
import Foundation
import Glibc
import Store
import XCTest
import Daemon
import Inbox
import Lab
import Learning
import TestSupport

/// SIGKILL at random moments during bursts, 20 rounds, then one clean run: every file
/// ends in done/ or failed/ exactly once, the store opens, and its counts add up.
final class IntegrationCrashTests: XCTestCase {
    func testKilledAtRandomMomentsNothingLostNothingTwice() async throws {
        guard let executable = DaemonProcess.locateExecutable() else {
            throw XCTSkip("the narformer binary is not built next to the test bundle; run `swift build` first")
        }
        // The kills here come from outside, at random moments, not from the files: a file
        // that happened to be in progress at three of them must be tried again, not failed
        // as a poison pill (that rule has its own test, IntegrationPoisonTests).
        let f = try DaemonFixture(executable: executable, batchSizes: [1, 4], recoveryAttempts: 100)
        let sources = try RepositoryData.onnxFiles(60)
        try FileManager.default.createDirectory(atPath: f.nets, withIntermediateDirectories: true)
        var generator = SplitMix64(seed: 2026)
        var dropped: [String] = []
        var bytesOf: [String: URL] = [:]
        for round in 0..<20 {
            // A few files dropped before the start (waiting), a few while it runs.
            for i in 0..<4 {
                let name = String(format: "r%02d-%d.onnx", round, i)
                let source = sources[(round * 7 + i) % sources.count]
                try f.drop(Data(contentsOf: source), as: name, into: f.nets)
                dropped.append(name)
                bytesOf[name] = source
            }
            let daemon = try DaemonProcess(executable: executable, config: f.configFile, logFile: f.logFile)
            for i in 4..<8 {
                let name = String(format: "r%02d-%d.onnx", round, i)
                let source = sources[(round * 7 + i) % sources.count]
                try f.drop(Data(contentsOf: source), as: name, into: f.nets)
                dropped.append(name)
                bytesOf[name] = source
            }
            let pause = Int(generator.next() % 400)
            try await Task.sleep(for: .milliseconds(pause))
            daemon.kill()
        }
        let daemon = try await f.start()
        defer { daemon.kill() }
        do {
            let satisfied = await f.waitUntilFiled(dropped.count, in: f.nets, timeout: .seconds(60))
            XCTAssertTrue(satisfied, f.log)
        }
        daemon.send(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: .seconds(20)), 0)

        // At least some kills must have hit work in progress, or this test proves little.
        let recoveries = f.log.components(separatedBy: "recovering drops claimed before the last stop").count - 1
        XCTAssertGreaterThan(recoveries, 0, "no kill left a claimed drop behind")
        print("crash test: \(recoveries) of 20 restarts found claimed drops in .work/")
        let done = f.names(f.nets, "done")
        XCTAssertEqual(done, dropped.sorted(), "every file done exactly once; failed: \(f.names(f.nets, "failed"))")
        XCTAssertEqual(f.names(f.nets, ".work"), [])
        var hashes: Set<String> = []
        for name in done {
            let hash = try XCTUnwrap(f.result(name, in: f.nets)["hash"] as? String)
            XCTAssertEqual(hash, try NetworkImporter.importFile(at: XCTUnwrap(bytesOf[name])).contentHash)
            hashes.insert(hash)
        }
        let store = try NarformerStore(path: f.store, readOnly: true)
        let counts = try store.read { try $0.counts() }
        XCTAssertEqual(counts.graphs, hashes.count)
        XCTAssertEqual(counts.predictions, hashes.count * 2)
        try store.read { reader in
            for hash in hashes {
                let predictions = try reader.predictions(ofGraph: hash)
                XCTAssertEqual(predictions.map(\.batchSize), [1, 4])
            }
        }
    }
}
