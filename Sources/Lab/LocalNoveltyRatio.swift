import Engine
import Foundation

/// A novelty space's ratio with a local scale (as the local outlier factor takes it): a
/// network's mean distance to its `k` nearest sample vectors over the mean of those
/// vectors' own mean distances to their `k` nearest others, instead of over the sample's
/// one median. A lab study of the product's global scale, which a family that is sparse in
/// the training data (30 ViTs of random depth and width beside 80 networks per CNN family)
/// reads as novel even when the model trained on it.
struct LocalNoveltyRatio {
    let space: NoveltySpace
    /// Each sample vector's mean distance to its `k` nearest others.
    let own: [Double]

    init(_ space: NoveltySpace) {
        self.space = space
        let n = space.vectors.count / max(space.width, 1)
        own = (0..<n).map { r in
            Self.nearest(Array(space.vectors[(r * space.width)..<((r + 1) * space.width)]), in: space, skipping: r)
                .map(\.distance).reduce(0, +) / Double(max(1, min(space.k, n - 1)))
        }
    }

    /// The local ratio of a raw (unstandardised) vector; infinite for another width.
    func ratio(_ raw: [Float]) -> Double {
        guard raw.count == space.width else { return .infinity }
        let standardised = (0..<space.width).map { (raw[$0] - space.center[$0]) / space.spread[$0] }
        let near = Self.nearest(standardised, in: space, skipping: nil)
        guard !near.isEmpty else { return .infinity }
        let distance = near.map(\.distance).reduce(0, +) / Double(near.count)
        let scale = near.map { own[$0.row] }.reduce(0, +) / Double(near.count)
        return distance / max(scale, 1e-6)
    }

    /// The `k` nearest sample rows of a standardised vector, nearest first.
    private static func nearest(_ v: [Float], in space: NoveltySpace, skipping: Int?) -> [(row: Int, distance: Double)] {
        let w = space.width, n = space.vectors.count / max(w, 1)
        var all: [(row: Int, distance: Double)] = []
        all.reserveCapacity(n)
        space.vectors.withUnsafeBufferPointer { rows in
            for r in 0..<n where r != skipping {
                var sum: Float = 0
                for j in 0..<w { let d = v[j] - rows[r * w + j]; sum += d * d }
                all.append((r, Double(sum).squareRoot()))
            }
        }
        all.sort { $0.distance < $1.distance }
        return Array(all.prefix(space.k))
    }
}
