import XCTest
@testable import Engine

/// The novelty spaces' nearest-rows search gives, bit for bit, what the plain loop over the
/// rows gives: every squared distance summed over the columns in order, in floats, its
/// square root in doubles, the mean of the k smallest in ascending order.
final class NearestRowsTests: XCTestCase {
    private func plainMeanDistance(_ query: [Float], _ rows: [Float], width: Int, k: Int, skipping: Int?) -> Double {
        var distances: [Double] = []
        for r in 0..<(rows.count / width) where r != skipping {
            var sum: Float = 0
            for j in 0..<width {
                let d = query[j] - rows[r * width + j]
                sum += d * d
            }
            distances.append(Double(sum).squareRoot())
        }
        guard !distances.isEmpty else { return .infinity }
        return distances.sorted().prefix(min(max(1, k), distances.count)).reduce(0, +) / Double(min(max(1, k), distances.count))
    }

    private func values(_ count: Int, _ rng: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in rng.nextSymmetric(2) }
    }

    func testEqualsThePlainLoopBitForBit() {
        var rng = SplitMix64(seed: 21)
        // Row counts below, at and across the panel size; widths of a few floats, the op mix's and the embedding's.
        for (count, width) in [(1, 3), (2, 1), (15, 7), (16, 30), (17, 30), (37, 128), (300, 128)] {
            let rows = values(count * width, &rng)
            let nearest = NearestRows(rows: rows, width: width)
            XCTAssertEqual(nearest.count, count)
            var queries = (0..<3).map { _ in values(width, &rng) }
            queries.append(Array(rows[((count - 1) * width)..<(count * width)]))  // a row itself: distance 0
            for query in queries {
                for k in [1, 5, count + 2] {
                    for skipping in [nil, 0, count - 1] {
                        let fast = query.withUnsafeBufferPointer { nearest.meanDistanceToNearest($0, k: k, skipping: skipping) }
                        let plain = plainMeanDistance(query, rows, width: width, k: k, skipping: skipping)
                        XCTAssertEqual(fast.bitPattern, plain.bitPattern, "\(count) rows of \(width), k \(k), skipping \(String(describing: skipping)): \(fast) against \(plain)")
                    }
                }
            }
        }
    }

    func testTheRowItselfIsAtDistanceZero() {
        var rng = SplitMix64(seed: 22)
        let rows = values(40 * 9, &rng)
        let nearest = NearestRows(rows: rows, width: 9)
        let own = Array(rows[(12 * 9)..<(13 * 9)])
        XCTAssertEqual(own.withUnsafeBufferPointer { nearest.meanDistanceToNearest($0, k: 1) }, 0)
        XCTAssertGreaterThan(own.withUnsafeBufferPointer { nearest.meanDistanceToNearest($0, k: 1, skipping: 12) }, 0)
        let single = NearestRows(rows: Array(rows.prefix(9)), width: 9)
        XCTAssertEqual(own.withUnsafeBufferPointer { single.meanDistanceToNearest($0, k: 1, skipping: 0) }, .infinity, "no row left")
    }

    func testHandsOverTheNearestRowsInOrder() {
        var rng = SplitMix64(seed: 23)
        let width = 11, count = 53
        let rows = values(count * width, &rng)
        let nearest = NearestRows(rows: rows, width: width)
        for _ in 0..<5 {
            let query = values(width, &rng)
            let plain = (0..<count).filter { $0 != 7 }.map { r in
                (r, (0..<width).reduce(Float(0)) { $0 + (query[$1] - rows[r * width + $1]) * (query[$1] - rows[r * width + $1]) })
            }.sorted { $0.1 < $1.1 }.prefix(5)
            let (found, sums) = query.withUnsafeBufferPointer { q in
                nearest.withNearest(q, k: 5, skipping: 7) { sums, rows in (Array(rows), Array(sums)) }
            }
            XCTAssertEqual(found, plain.map(\.0), "the 5 nearest rows, nearest first, row 7 left out")
            XCTAssertEqual(sums, plain.map(\.1))
        }
    }
}
