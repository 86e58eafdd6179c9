import Foundation
import XCTest
@testable import Engine

/// The pointwise steps that absorb a neighbour's work (a bias, a gate copy) against the
/// plain formula, on widths with SIMD tails.
final class FusedPointwiseTests: XCTestCase {
    func testSigmoidAddingBiasIsSigmoidOfTheSum() {
        var rng = SplitMix64(seed: 31)
        for width in [1, 8, 13, 29] {
            let rows = 3
            let x = (0..<(rows * width)).map { _ in rng.nextSymmetric(6) }
            let bias = (0..<width).map { _ in rng.nextSymmetric(2) }
            var y = x
            y.withUnsafeMutableBufferPointer { yp in
                bias.withUnsafeBufferPointer { Elementwise.sigmoid(yp.baseAddress!, rows: rows, width: width, addingBias: $0.baseAddress!) }
            }
            for r in 0..<rows {
                for j in 0..<width {
                    let expected = 1 / (1 + exp(-Double(x[r * width + j] + bias[j])))
                    XCTAssertEqual(Double(y[r * width + j]), expected, accuracy: 1e-6, "width \(width), row \(r), column \(j)")
                }
            }
        }
    }

    /// Inference skips copying each row's gate; the enhanced x must not change.
    func testDegreeEnhancementWithoutGateRowsGivesTheSameOutput() {
        var rng = SplitMix64(seed: 32)
        let rows = 9, width = 11
        let x = (0..<(rows * width)).map { _ in rng.nextSymmetric(1) }
        let degree: [Float] = [1, 2, 1, 3, 2, 2, 1, 5, 3]
        let weight = (0..<width).map { _ in rng.nextSymmetric(1) }
        let bias = (0..<width).map { _ in rng.nextSymmetric(1) }
        func enhanced(keepGate: Bool) -> (y: [Float], gate: [Float]) {
            var gate = [Float](repeating: -7, count: rows * width), y = [Float](repeating: 0, count: rows * width)
            DegreeEnhancement.forward(x: x, degree: degree, rows: rows, width: width, weight: weight, bias: bias,
                                      gate: &gate, y: &y, keepGate: keepGate)
            return (y, gate)
        }
        let kept = enhanced(keepGate: true), skipped = enhanced(keepGate: false)
        XCTAssertEqual(skipped.y, kept.y)
        for r in 0..<rows {
            for c in 0..<width {
                XCTAssertEqual(kept.y[r * width + c], x[r * width + c] * kept.gate[r * width + c])
            }
        }
        // Row 2 repeats row 0's degree: only the kept run wrote its gate.
        XCTAssertEqual(Array(kept.gate[(2 * width)..<(3 * width)]), Array(kept.gate[0..<width]))
        XCTAssertEqual(skipped.gate[2 * width], -7)
    }
}
