import XCTest
@testable import Engine

final class EvaluationProgressTests: XCTestCase {
    private func progress(epoch: Int, step: Int, elapsed: Double) -> TrainingProgress {
        TrainingProgress(epoch: epoch, epochs: 10, step: step, stepsPerEpoch: 40, loss: 0.0213, learningRate: 9.8e-4, elapsed: elapsed)
    }

    func testETAFromThePaceSoFar() throws {
        // 1.5 epochs of 10 done in 30 s: 8.5 epochs left at 20 s each.
        XCTAssertEqual(try XCTUnwrap(progress(epoch: 2, step: 20, elapsed: 30).eta), 170, accuracy: 1e-9)
        XCTAssertNil(progress(epoch: 1, step: 0, elapsed: 0).eta)
        XCTAssertEqual(progress(epoch: 10, step: 40, elapsed: 99).eta, 0)
    }

    func testDurations() {
        XCTAssertEqual(ProgressReporter.duration(42.4), "42s")
        XCTAssertEqual(ProgressReporter.duration(252), "4m12s")
        XCTAssertEqual(ProgressReporter.duration(7500), "2h05m")
        XCTAssertEqual(ProgressReporter.duration(.infinity), "--")
    }

    func testBarLineFitsTheWidthAndShowsEveryField() {
        let p = progress(epoch: 2, step: 20, elapsed: 30)
        for width in [80, 120] {
            let line = ProgressReporter.barLine(p, width: width)
            XCTAssertEqual(line.count, width, line)
            XCTAssertTrue(line.hasPrefix("epoch 2/10 ["), line)
            XCTAssertTrue(line.hasSuffix("20/40 loss 0.02130 lr 9.80e-04 ETA 2m50s"), line)
            let bar = line.drop { $0 != "[" }.prefix { $0 != "]" }.dropFirst()
            XCTAssertEqual(bar.filter { $0 == "#" }.count, bar.count / 2, "half an epoch done: \(line)")
        }
        XCTAssertEqual(ProgressReporter.barLine(p, width: 50).count, 50, "a narrow terminal clips, never wraps")
    }

    func testEpochLine() {
        let validation = EvaluationMetrics(count: 3, mape: 0.1234, acc1: 0, acc5: 0.2, acc10: 0.551, kendallTau: 0.9, spearman: 0.95)
        XCTAssertEqual(ProgressReporter.epochLine(progress(epoch: 3, step: 40, elapsed: 62), validation: validation),
                       "epoch 3/10 loss 0.02130 lr 9.80e-04 val MAPE 12.34% Acc10 55.1% elapsed 1m02s ETA 2m25s")
    }

    private final class Sink: @unchecked Sendable {
        var written: [String] = []
        var now = 0.0
    }

    func testOffATerminalOnlyEpochLinesAreWritten() {
        let sink = Sink()
        let reporter = ProgressReporter(isTerminal: false, clock: { sink.now }, write: { sink.written.append($0) })
        for step in 1...40 { reporter.update(progress(epoch: 1, step: step, elapsed: Double(step))) }
        reporter.endEpoch(progress(epoch: 1, step: 40, elapsed: 40))
        XCTAssertEqual(sink.written.count, 1)
        XCTAssertTrue(sink.written[0].hasPrefix("epoch 1/10 loss"))
        XCTAssertFalse(sink.written.joined().contains("\r"))
        XCTAssertTrue(sink.written[0].hasSuffix("\n"))
    }

    func testOnATerminalTheLineIsRedrawnInPlaceAndThrottled() {
        let sink = Sink()
        let reporter = ProgressReporter(isTerminal: true, width: 80, minimumRedrawInterval: 0.1,
                                        clock: { sink.now }, write: { sink.written.append($0) })
        for step in 1...40 {
            sink.now = Double(step) * 0.03  // 30 ms per step: every fourth step redraws
            reporter.update(progress(epoch: 1, step: step, elapsed: sink.now))
        }
        XCTAssertTrue(sink.written.allSatisfy { $0.hasPrefix("\r") && !$0.contains("\n") })
        XCTAssertGreaterThanOrEqual(sink.written.count, 9)
        XCTAssertLessThanOrEqual(sink.written.count, 11)
        XCTAssertTrue(sink.written.last?.contains("40/40") ?? false, "the last step of an epoch is always drawn")
        reporter.endEpoch(progress(epoch: 1, step: 40, elapsed: 1.2))
        XCTAssertTrue(sink.written.last?.hasPrefix("\repoch 1/10 loss") ?? false)
        XCTAssertTrue(sink.written.last?.hasSuffix("\n") ?? false)
        reporter.print("table")
        XCTAssertEqual(sink.written.last, "table\n")
    }
}
