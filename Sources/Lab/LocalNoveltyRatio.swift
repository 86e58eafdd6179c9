import Engine
import Foundation

/// A novelty space's ratio with a local scale (as the local outlier factor takes it): a
/// network's mean distance to its `k` nearest sample vectors over the mean of those
/// vectors' own mean distances to their `k` nearest others, instead of over the sample's
/// one median. A lab study of the product's global scale, which a family that is sparse in
/// the training data (30 ViTs of random depth and width beside 80 networks per CNN family)
/// reads as novel even when the model trained on it. Same search as the product's
/// (`NoveltySpace.nearestSamples`).
struct LocalNoveltyRatio {
    let space: NoveltySpace
    /// Each sample vector's mean distance to its `k` nearest others.
    let own: [Double]

    init(_ space: NoveltySpace) {
        self.space = space
        own = space.vectors.withUnsafeBufferPointer { all in
            (0..<space.count).map { r in
                Self.mean(space.nearestSamples(toStandardised: UnsafeBufferPointer(rebasing: all[(r * space.width)..<((r + 1) * space.width)]),
                                               skipping: r).map(\.distance))
            }
        }
    }

    /// The local ratio of a raw (unstandardised) vector; infinite for another width.
    func ratio(_ raw: [Float]) -> Double {
        guard raw.count == space.width else { return .infinity }
        let standardised = (0..<space.width).map { (raw[$0] - space.center[$0]) / space.spread[$0] }
        let near = standardised.withUnsafeBufferPointer { space.nearestSamples(toStandardised: $0) }
        guard !near.isEmpty else { return .infinity }
        return Self.mean(near.map(\.distance)) / max(Self.mean(near.map { own[$0.row] }), 1e-6)
    }

    private static func mean(_ values: [Double]) -> Double {
        values.reduce(0, +) / Double(max(values.count, 1))
    }
}
