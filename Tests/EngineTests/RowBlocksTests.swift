import XCTest
@testable import Engine

/// How the vector loops walk a row: sixteen-float blocks, one half block, a scalar tail.
final class RowBlocksTests: XCTestCase {
    /// A row of width 8 mod 16 ends in a half block: its eight values are stored and
    /// nothing after them, and every column is visited once.
    func testRowBlocksCoverEachColumnOnceAndHalfBlocksStoreEight() {
        for width in [0, 7, 8, 15, 16, 23, 24, 31, 40, 152] {
            var visits = [Int](repeating: 0, count: width)
            let tail = RowBlocks.forEach(width) { j, half in
                for c in j..<(j + (half ? 8 : 16)) { visits[c] += 1 }
            }
            for c in tail..<width { visits[c] += 1 }
            XCTAssertEqual(visits, [Int](repeating: 1, count: width), "width \(width)")
            XCTAssertLessThan(width - tail, 8, "width \(width)")
        }
        var row = [Float](repeating: -1, count: 24)
        let source = (0..<24).map(Float.init)
        source.withUnsafeBufferPointer { src in
            row.withUnsafeMutableBufferPointer { dst in
                let v = SIMD16(src.baseAddress!, at: 16, half: true)
                XCTAssertEqual(v, SIMD16((16..<24).map(Float.init) + [Float](repeating: 0, count: 8)))
                (v + 100).store(to: dst.baseAddress!, at: 8, half: true)
            }
        }
        XCTAssertEqual(row, [Float](repeating: -1, count: 8) + (116..<124).map(Float.init) + [Float](repeating: -1, count: 8))
    }
}
