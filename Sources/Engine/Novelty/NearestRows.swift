/// The rows of a novelty space's sample laid out for finding a vector's nearest rows:
/// panels of `lanes` rows, each panel column after column (for each column, the panel's
/// `lanes` values side by side), the last panel padded with zeros.
///
/// Why this layout: a row's squared distance summed one column at a time is the plain
/// loop's sum over the row, in the same order, so every distance (and every score) is bit
/// for bit what a loop over the rows gives; with `lanes` rows side by side those sums run
/// in vector registers together instead of as one long chain of dependent adds per row.
/// Summed along the row in vector registers instead, or from dot products (an sgemv with
/// precomputed norms), the sums would change in their last bits, and a network that is in
/// the sample would no longer be at distance 0 from its own row.
struct NearestRows: Sendable, Equatable {
    typealias Lanes = SIMD16<Float>
    static let lanes = Lanes.scalarCount

    /// Rows and floats per row.
    let count: Int
    let width: Int
    /// `panelCount x width x lanes` floats.
    private let panels: [Float]

    /// `rows`: `count x width` floats, row-major.
    init(rows: [Float], width: Int) {
        let count = width > 0 ? rows.count / width : 0
        var panels = [Float](repeating: 0, count: (count + Self.lanes - 1) / Self.lanes * width * Self.lanes)
        for r in 0..<count {
            let panelStart = r / Self.lanes * width * Self.lanes, lane = r % Self.lanes
            for j in 0..<width { panels[panelStart + j * Self.lanes + lane] = rows[r * width + j] }
        }
        self.count = count
        self.width = width
        self.panels = panels
    }

    /// The mean Euclidean distance from `query` (`width` floats) to its `k` nearest rows
    /// (all of them when fewer), leaving out row `skipping`; infinite when no row is left.
    func meanDistanceToNearest(_ query: UnsafeBufferPointer<Float>, k: Int, skipping: Int? = nil) -> Double {
        withNearest(query, k: k, skipping: skipping) { sums, _ in
            guard !sums.isEmpty else { return .infinity }
            var total = 0.0
            for sum in sums { total += Double(sum).squareRoot() }
            return total / Double(sums.count)
        }
    }

    /// Hands `body` the squared distances of the `k` nearest rows, ascending, and their rows
    /// (both empty when no row is left).
    func withNearest<R>(_ query: UnsafeBufferPointer<Float>, k: Int, skipping: Int?,
                                _ body: (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Int>) -> R) -> R {
        precondition(query.count == width, "a query of \(query.count) floats against rows of \(width)")
        let left = count - (skipping.map { (0..<count).contains($0) ? 1 : 0 } ?? 0)
        let take = left > 0 ? min(max(1, k), left) : 0
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: max(take, 1)) { nearest in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: max(take, 1)) { rows in
                // The `take` smallest squared distances so far, ascending, and their rows.
                var held = 0
                if take > 0 {
                    panels.withUnsafeBytes { bytes in
                        let panelBytes = width * MemoryLayout<Lanes>.stride
                        for panel in 0..<((count + Self.lanes - 1) / Self.lanes) {
                            var sums = Lanes()
                            var offset = panel * panelBytes
                            for j in 0..<width {
                                let d = Lanes(repeating: query[j]) - bytes.loadUnaligned(fromByteOffset: offset, as: Lanes.self)
                                sums += d * d
                                offset += MemoryLayout<Lanes>.stride
                            }
                            for lane in 0..<min(Self.lanes, count - panel * Self.lanes) where panel * Self.lanes + lane != skipping {
                                let sum = sums[lane]
                                if held == take {
                                    guard sum < nearest[take - 1] else { continue }
                                } else {
                                    held += 1
                                }
                                var i = held - 1
                                while i > 0, nearest[i - 1] > sum {
                                    nearest[i] = nearest[i - 1]
                                    rows[i] = rows[i - 1]
                                    i -= 1
                                }
                                nearest[i] = sum
                                rows[i] = panel * Self.lanes + lane
                            }
                        }
                    }
                }
                return body(UnsafeMutableBufferPointer(rebasing: nearest[0..<held]),
                            UnsafeMutableBufferPointer(rebasing: rows[0..<held]))
            }
        }
    }
}
