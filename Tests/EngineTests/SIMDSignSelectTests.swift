import XCTest
@testable import Engine

/// The mask-free ReLU and clamp against the standard library's lane-wise versions.
final class SIMDSignSelectTests: XCTestCase {
    private let values: [Float] = [-3, -1e-30, -0.0, 0, 1e-30, 2.5, -87.3, -87.31, 88.3, 88.29, -1e30, 1e30,
                                   .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                   -.greatestFiniteMagnitude]

    private func lanes(_ at: Int) -> SIMD16<Float> {
        SIMD16((0..<16).map { values[(at + $0) % values.count] })
    }

    func testRectifiedIsMaxWithZero() {
        for at in values.indices {
            let v = lanes(at), r = v.rectified
            for i in 0..<16 { XCTAssertEqual(r[i], max(v[i], 0), "\(v[i])") }
        }
    }

    func testClampedBySignMatchesClamped() {
        let low = SIMD16<Float>(repeating: -87.3), high = SIMD16<Float>(repeating: 88.3)
        for at in values.indices {
            let v = lanes(at)
            XCTAssertEqual(v.clampedBySign(lower: low, upper: high), v.clamped(lowerBound: low, upperBound: high), "\(v)")
        }
    }
}
