import Foundation
import XCTest
@testable import Store

/// One writer process and a reader in this process, as the daemon and a pipeline would run.
final class MultiProcessTests: XCTestCase {
    /// Kills a hung child so a broken test fails instead of blocking the suite.
    private func watchdog(_ process: Process, seconds: Double) {
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [process] in
            if process.isRunning { kill(pid, SIGKILL) }
        }
    }

    func testReaderSeesOnlyWholeTransactionsWhileAnotherProcessWritesAndGrowsTheMap() throws {
        let dir = try TemporaryDirectory()
        let path = dir.child("store")
        do { _ = try NarformerStore(path: path, mapSize: 64 << 10) }   // created, then closed
        let reader = try NarformerStore(path: path, mapSize: 64 << 10, readOnly: true)
        let initialMap = reader.environment.mapSize

        let log = dir.child("child.log")
        XCTAssertTrue(FileManager.default.createFile(atPath: log, contents: nil))
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let child = try ChildWriter.launch(.rounds, path: path, output: logHandle)
        watchdog(child, seconds: 50)

        var seenRounds = Set<Int>()
        func checkSnapshot() throws {
            try reader.read { r in
                let round = try r.meta("round").flatMap { Int($0) } ?? 0
                XCTAssertEqual(try r.measurementCount(platform: "rounds"), round * ChildWriter.measurementsPerRound)
                XCTAssertEqual(try r.counts().graphs, round)
                if round > 0 {
                    XCTAssertEqual(try r.graph(hash: Sample.hash(round))?.graph, Sample.blob(round, size: 16 << 10))
                }
                seenRounds.insert(round)
            }
        }
        while child.isRunning {
            try checkSnapshot()
        }
        child.waitUntilExit()
        try checkSnapshot()
        try logHandle.close()

        let childLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        XCTAssertEqual(child.terminationReason, .exit, childLog)
        XCTAssertEqual(child.terminationStatus, 0, childLog)
        XCTAssertTrue(seenRounds.contains(ChildWriter.concurrentRounds), "rounds seen: \(seenRounds.sorted())")
        XCTAssertTrue(seenRounds.contains { $0 > 0 && $0 < ChildWriter.concurrentRounds },
                      "the reader never saw the writer mid-way: \(seenRounds.sorted())")
        XCTAssertGreaterThan(reader.environment.mapSize, initialMap, "the reader never adopted the grown map")
    }

    func testSIGKILLedWriterLeavesEveryCommittedRecordAndNothingPartial() throws {
        let dir = try TemporaryDirectory()
        let path = dir.child("store")
        var lastReported = 0
        // Three writer lives, each killed mid-run; each resumes after the last committed record.
        for life in 1...3 {
            let pipe = Pipe()
            let child = try ChildWriter.launch(.crashable, path: path, output: pipe)
            watchdog(child, seconds: 30)
            let target = lastReported + 40
            var buffer = Data()
            var transcript = ""
            reading: while true {
                let chunk = pipe.fileHandleForReading.availableData
                guard !chunk.isEmpty else { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    transcript += line + "\n"
                    if line.hasPrefix("committed "), let count = Int(line.dropFirst("committed ".count)) {
                        lastReported = count
                        if count >= target {
                            kill(child.processIdentifier, SIGKILL)
                            break reading
                        }
                    }
                }
            }
            child.waitUntilExit()
            XCTAssertEqual(child.terminationReason, .uncaughtSignal, "life \(life):\n\(transcript)")
            XCTAssertGreaterThanOrEqual(lastReported, target, "life \(life) died early:\n\(transcript)")

            let store = try NarformerStore(path: path)
            try store.read { r in
                let committed = try XCTUnwrap(try r.meta("committed").flatMap { Int($0) })
                // The child prints after each commit, so the store holds at least what it printed.
                XCTAssertGreaterThanOrEqual(committed, lastReported)
                XCTAssertEqual(try r.counts().graphs, committed)
                XCTAssertEqual(try r.counts().measurements, committed)
                XCTAssertEqual(try r.measurementCount(platform: "crash"), committed)
                for index in 1...committed {
                    XCTAssertEqual(try r.graph(hash: Sample.hash(index)), ChildWriter.graph(index), "record \(index)")
                    let measurement = ChildWriter.measurement(index)
                    XCTAssertEqual(try r.measurement(id: measurement.id), measurement, "record \(index)")
                }
                XCTAssertNil(try r.graph(hash: Sample.hash(committed + 1)))
                lastReported = committed
            }
        }
    }
}
