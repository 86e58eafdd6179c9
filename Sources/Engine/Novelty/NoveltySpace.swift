import Foundation

/// One space a novelty summary measures distance in: a capped, seeded sample of the
/// training networks' vectors of one kind (the model's embedding, or the op mix), each
/// dimension standardised over the sample. A network's ratio in the space is its mean
/// distance to its `k` nearest sample vectors over those vectors' own local scale (the mean
/// of each one's mean distance to its `k` nearest others, as the local outlier factor takes
/// it): about 1 for a network like the training ones near it.
///
/// Why a local scale and not the sample's one typical distance: that one number is set by
/// the densest families of the training data, so a family the model was trained on but
/// whose networks lie far apart (30 ViTs of random depth and width beside 80 networks per
/// CNN family) read as novel. The local scale keeps "about 1" true family by family; it is
/// floored at a quarter of the typical distance so that a tight knot of near-copies in the
/// sample cannot make the networks around it look far.
///
/// Immutable once made: the sample is also kept laid out for the nearest-vector search
/// (`NearestRows`) with each vector's own scale, both derived once when the space is made
/// or read from a checkpoint (nothing more is saved), so a prediction's novelty only
/// standardises its vector and scans the sample once.
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
    /// Each sample vector's mean distance to its `k` nearest others (derived: not saved).
    let ownDistance: [Double]

    /// The local scale never goes below this share of `typicalDistance`.
    static let localScaleFloor = 0.25

    public static let defaultK = 5

    public var count: Int { nearest.count }

    public init(method: Method, k: Int, width: Int, center: [Float], spread: [Float], vectors: [Float],
                typicalDistance: Double) {
        let rows = NearestRows(rows: vectors, width: width)
        self.init(method: method, k: k, width: width, center: center, spread: spread, vectors: vectors,
                  typicalDistance: typicalDistance, nearest: rows, ownDistance: Self.ownDistances(rows, vectors, k: k))
    }

    private init(method: Method, k: Int, width: Int, center: [Float], spread: [Float], vectors: [Float],
                 typicalDistance: Double, nearest: NearestRows, ownDistance: [Double]) {
        self.method = method
        self.k = k
        self.width = width
        self.center = center
        self.spread = spread
        self.vectors = vectors
        self.typicalDistance = typicalDistance
        self.nearest = nearest
        self.ownDistance = ownDistance
    }

    /// Each row's mean distance to its `k` nearest other rows.
    private static func ownDistances(_ rows: NearestRows, _ vectors: [Float], k: Int) -> [Double] {
        vectors.withUnsafeBufferPointer { all in
            (0..<rows.count).map { r in
                rows.meanDistanceToNearest(UnsafeBufferPointer(rebasing: all[(r * rows.width)..<((r + 1) * rows.width)]),
                                           k: k, skipping: r)
            }
        }
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
        let own = Self.ownDistances(rows, flat, k: kUsed)
        // Identical training networks (distance 0) must not make every other one infinitely novel.
        self.init(method: method, k: kUsed, width: width, center: center, spread: spread, vectors: flat,
                  typicalDistance: max(own.sorted()[own.count / 2], 1e-6), nearest: rows, ownDistance: own)
    }

    /// Mean distance of `vector` (raw) to its `k` nearest sample vectors over their local
    /// scale (the mean of their own mean distances to their `k` nearest others, at least
    /// `localScaleFloor` of `typicalDistance`); infinite for a vector of another width (it
    /// cannot be placed).
    public func distanceRatio(_ vector: [Float]) -> Double {
        withStandardized(vector) { standardized in
            nearest.withNearest(standardized, k: k, skipping: nil) { sums, rows in
                guard !sums.isEmpty else { return .infinity }
                var distance = 0.0, scale = 0.0
                for (sum, row) in zip(sums, rows) {
                    distance += Double(sum).squareRoot()
                    scale += ownDistance[row]
                }
                let count = Double(sums.count)
                return (distance / count) / max(scale / count, Self.localScaleFloor * typicalDistance)
            }
        }
    }

    /// The same distance over the sample's one typical distance instead of the local scale:
    /// the global scale, kept for lab comparisons.
    package func globalDistanceRatio(_ vector: [Float]) -> Double {
        withStandardized(vector) { nearest.meanDistanceToNearest($0, k: k) / typicalDistance }
    }

    /// `body` of `vector` (raw) standardised as the sample is, in a temporary buffer;
    /// infinite for a vector of another width (it cannot be placed).
    private func withStandardized(_ vector: [Float], _ body: (UnsafeBufferPointer<Float>) -> Double) -> Double {
        guard vector.count == width else { return .infinity }
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: width) { standardized in
            for j in 0..<width { standardized[j] = (vector[j] - center[j]) / spread[j] }
            return body(UnsafeBufferPointer(standardized))
        }
    }
}
