import Foundation
import XCTest
@testable import Engine

/// A kernel set that fails the start-up check, end to end: the test bundle runs one of its
/// own tests in a child process (the same executable, `/proc/self/exe`, filtered to
/// `testChildActivatesThenMatchesTheReference`) with the failure hook set. That child
/// activates the kernels as the program does at start, so it really restarts itself with
/// the next safer set, then runs the reference parity checks with it.
final class BLASFallbackTests: XCTestCase {
    static let childVariable = "NARFORMER_TEST_BLAS_CHILD"
    static let selectionPrefix = "BLAS-SELECTION "

    /// The child's half; skipped in an ordinary run.
    func testChildActivatesThenMatchesTheReference() throws {
        guard ProcessInfo.processInfo.environment[Self.childVariable] == "1" else {
            throw XCTSkip("runs only in the child process that testAForcedCheckFailureFallsBack... starts")
        }
        let selection = try BLASKernels.activate(configured: nil, program: "child")
        let line = String(decoding: try JSONEncoder().encode(selection), as: UTF8.self)
        print(Self.selectionPrefix + line)
        XCTAssertEqual(BLASKernels.loadedKernelSet, selection.kernelSet)
        try checkReferenceParity("narformer_v2_latency")
        try checkReferenceParity("narformer_v2_accuracy")
    }

    private struct ChildResult {
        var status: Int32
        var stdout: String
        var stderr: String
        var selection: BLASKernelSelection?
    }

    private func runChild(failingChecks: Int) throws -> ChildResult {
        #if !os(Linux) || !arch(x86_64)
        throw XCTSkip("restarting the process uses /proc/self/exe; the kernel classes are x86-64's")
        #else
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("blas-fallback-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Files, not pipes: nothing to drain while the child runs.
        let out = directory.appendingPathComponent("stdout"), err = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["EngineTests.BLASFallbackTests/testChildActivatesThenMatchesTheReference"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childVariable] = "1"
        environment[BLASSelfCheck.failureHookVariable] = String(failingChecks)
        // A fresh start: no decision carried from whatever started this test process.
        environment[BLASActivationPlan.stateVariable] = nil
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        let stdout = try String(contentsOf: out, encoding: .utf8), stderr = try String(contentsOf: err, encoding: .utf8)
        let selection = stdout.split(separator: "\n").first { $0.hasPrefix(Self.selectionPrefix) }.flatMap {
            try? JSONDecoder().decode(BLASKernelSelection.self, from: Data($0.dropFirst(Self.selectionPrefix.count).utf8))
        }
        return ChildResult(status: process.terminationStatus, stdout: stdout, stderr: stderr, selection: selection)
        #endif
    }

    func testAForcedCheckFailureFallsBackWithAWarningAndPredictionsStillMatchTheReference() throws {
        let child = try runChild(failingChecks: 1)
        let context = "stdout:\n\(child.stdout)\nstderr:\n\(child.stderr)"
        XCTAssertEqual(child.status, 0, context)
        let selection = try XCTUnwrap(child.selection, context)
        XCTAssertEqual(selection.source, .fallback, context)
        XCTAssertEqual(selection.failedChecks.count, 1, context)
        let failed = try XCTUnwrap(selection.failedChecks.first)
        XCTAssertTrue(failed.check.forced)
        // The next safer set of the failed one's class, and it passed its own check.
        let failedClass = try XCTUnwrap(blasKernelClass(ofCoreName: failed.kernelSet))
        let expected = try XCTUnwrap(BLASCore.safer(than: failedClass)).openBLASName
        XCTAssertEqual(selection.kernelSet, expected, context)
        XCTAssertEqual(selection.check?.passed, true)
        XCTAssertGreaterThanOrEqual(selection.restarts, 1)
        // One warning naming both sets, from the image whose check failed.
        XCTAssertTrue(child.stderr.contains(
            "child: warning: BLAS kernel set \(failed.kernelSet) failed the start-up check"), context)
        XCTAssertTrue(child.stderr.contains("restarting with kernel set \(expected)"), context)
        XCTAssertEqual(selection.warnings.first?.hasSuffix("; using \(expected)"), true)
        // The parity checks ran in the child, with the fallback kernels, and passed.
        XCTAssertTrue(child.stdout.contains("narformer_v2_latency: worst error"), context)
        XCTAssertTrue(child.stdout.contains("narformer_v2_accuracy: worst error"), context)
        XCTAssertTrue(child.stdout.contains("with 0 failures"), context)
    }

    func testWhenEveryKernelSetFailsTheProgramStopsWithAnError() throws {
        let child = try runChild(failingChecks: 99)
        let context = "stdout:\n\(child.stdout)\nstderr:\n\(child.stderr)"
        XCTAssertNotEqual(child.status, 0, context)
        XCTAssertNil(child.selection, context)
        XCTAssertTrue(child.stderr.contains("child: warning: BLAS kernel set Nehalem failed the start-up check"), context)
        XCTAssertTrue((child.stdout + child.stderr).contains(
            "BLAS kernel set Prescott failed the start-up check"), context)
        XCTAssertTrue((child.stdout + child.stderr).contains("no safer kernel set is left to try"), context)
    }
}
