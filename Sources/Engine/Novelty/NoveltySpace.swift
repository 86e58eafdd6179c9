import Foundation

/// One space a novelty summary measures distance in: a capped, seeded sample of the
/// training networks' vectors of one kind (the model's embedding, or the op mix), each
/// dimension standardised over the sample, and the sample's typical distance. A network's
/// ratio in the space is its mean distance to its `k` nearest sample vectors over that
/// typical distance: about 1 for a network like the training ones.
///
/// Immutable once made: the sample is also kept laid out for the nearest-vector search
/// (`NearestRows`), made once when the space is made or read from a checkpoint, so a
/// prediction's novelty only standardises its vector and scans the sample once.
public struct NoveltySpace: Sendable, Equatable {
    /// What the vectors are.
    public enum Method: String, Sendable, Codable, CaseIterable {
        /// The model's pooled embedding (`NARFormerModel.predictWithEmbeddings`).
        case embedding
        /// Op mix and size from the tokens (`NetworkTraits.opMixVector`): model-free.
        case opMix = "op-mix"
    }

    public let method: Method
    /// Neighbours averaged over.
    public let k: Int
    /// Floats per vector.
    public let width: Int
    /// Per-dimension mean and standard deviation of the sample: vectors are standardised
    /// with them before distances are taken, so no dimension dominates by its unit.
    public let center: [Float]
    public let spread: [Float]
    /// The standardised sample, `count x width`, row-major.
    public let vectors: [Float]
    /// Median over the sample of each vector's mean distance to its `k` nearest others.
    public let typicalDistance: Double
    /// `vectors` laid out for the search (derived: not saved).
    let nearest: NearestRows

    public static let defaultK = 5

    public var count: Int { nearest.count }

    public init(method: Method, k: Int, width: Int, center: [Float], spread: [Float], vectors: [Float],
                typicalDistance: Double) {
        self.method = method
        self.k = k
        self.width = width
        self.center = center
        self.spread = spread
        self.vectors = vectors
        self.typicalDistance = typicalDistance
        nearest = NearestRows(rows: vectors, width: width)
    }

    /// The space of `raw` (unstandardised) vectors of the sampled training networks.
    /// Nil with fewer than two vectors (no typical distance exists) or vectors of unequal width.
    public init?(method: Method, vectors raw: [[Float]], k: Int = defaultK) {
        guard raw.count >= 2, let width = raw.first?.count, width > 0, raw.allSatisfy({ $0.count == width }) else { return nil }
        var center = [Float](repeating: 0, count: width), spread = center
        for v in raw { for j in 0..<width { center[j] += v[j] } }
        for j in 0..<width { center[j] /= Float(raw.count) }
        for v in raw { for j in 0..<width { spread[j] += (v[j] - center[j]) * (v[j] - center[j]) } }
        // A constant dimension (a unit no training network moves) is kept in raw units.
        for j in 0..<width {
            let sd = (spread[j] / Float(raw.count)).squareRoot()
            spread[j] = sd > 1e-6 ? sd : 1
        }
        var flat: [Float] = []
        flat.reserveCapacity(raw.count * width)
        for v in raw { for j in 0..<width { flat.append((v[j] - center[j]) / spread[j]) } }
        let kUsed = min(k, raw.count - 1)
        let rows = NearestRows(rows: flat, width: width)
        let own: [Double] = flat.withUnsafeBufferPointer { all in
            (0..<raw.count).map { r in
                rows.meanDistanceToNearest(UnsafeBufferPointer(rebasing: all[(r * width)..<((r + 1) * width)]), k: kUsed, skipping: r)
            }
        }.sorted()
        // Identical training networks (distance 0) must not make every other one infinitely novel.
        self.init(method: method, k: kUsed, width: width, center: center, spread: spread, vectors: flat,
                  typicalDistance: max(own[own.count / 2], 1e-6))
    }

    /// The `k` nearest sample vectors of a standardised vector (`width` floats, as the sample
    /// holds them), leaving out sample row `skipping`, nearest first: for lab studies of
    /// other scales over the same search.
    package func nearestSamples(toStandardised vector: UnsafeBufferPointer<Float>,
                                skipping: Int? = nil) -> [(row: Int, distance: Double)] {
        nearest.nearest(vector, k: k, skipping: skipping)
    }

    /// Mean distance of `vector` (raw) to its `k` nearest sample vectors over
    /// `typicalDistance`; infinite for a vector of another width (it cannot be placed).
    public func distanceRatio(_ vector: [Float]) -> Double {
        guard vector.count == width else { return .infinity }
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: width) { standardized in
            for j in 0..<width { standardized[j] = (vector[j] - center[j]) / spread[j] }
            return nearest.meanDistanceToNearest(UnsafeBufferPointer(standardized), k: k) / typicalDistance
        }
    }
}
