import Foundation
import Lab
import XCTest

/// The PyTorch peer's plumbing in `narformer-lab bench engine`: its output line is parsed
/// and compared as ratios, and its script is found beside the repository.
final class PeerBenchmarkTests: XCTestCase {
    func testThePeerBenchmarksLineIsParsedAndComparedAsRatios() throws {
        let output = """
            some warning from a library
            {"threads": 1, "mean_nodes": 180.5, "train_graphs_per_s": 20.0, "infer_graphs_per_s": 50.0, "torch": "2.13.0+cpu"}

            """
        let run = try PeerBenchmark.parse(output: output)
        XCTAssertEqual(run, PeerBenchmarkRun(threads: 1, meanNodes: 180.5, trainingGraphsPerSecond: 20,
                                             inferenceGraphsPerSecond: 50, torchVersion: "2.13.0+cpu"))
        XCTAssertThrowsError(try PeerBenchmark.parse(output: "Traceback (most recent call last):\n"))
        var second = run
        second.trainingGraphsPerSecond = 30
        second.inferenceGraphsPerSecond = 70
        let comparison = PeerBenchmark.compare(python: "py", script: "s", runs: [run, second],
                                               trainingGraphsPerSecond: 50, inferenceBatch1GraphsPerSecond: 150)
        XCTAssertEqual(comparison.trainingGraphsPerSecond, 25)
        XCTAssertEqual(comparison.trainingRatio, 2)
        XCTAssertEqual(comparison.inferenceBatch1Ratio, 2.5)
    }

    func testThePeerScriptIsFoundBesideTheRepository() {
        let there: Set = ["/work/shared/tools/reference_model.py"]
        XCTAssertEqual(PeerBenchmark.locateScript(explicit: nil, currentDirectory: "/work/repo",
                                                  executable: "/elsewhere/bin/narformer", exists: there.contains),
                       "/work/shared/tools/reference_model.py")
        XCTAssertEqual(PeerBenchmark.locateScript(explicit: nil, currentDirectory: "/tmp",
                                                  executable: "/work/repo/.build/release/narformer", exists: there.contains),
                       "/work/shared/tools/reference_model.py")
        XCTAssertNil(PeerBenchmark.locateScript(explicit: nil, currentDirectory: "/tmp", executable: "/usr/bin/narformer",
                                                exists: there.contains))
        XCTAssertNil(PeerBenchmark.locateScript(explicit: "/nope.py", currentDirectory: "/work/repo",
                                                executable: "/x", exists: there.contains))
    }
}
