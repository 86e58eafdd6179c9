/// A data set cut into the samples to train on and the samples to test on; both keep
/// the order of the original data set.
public struct DatasetSplit<Sample> {
    public var train: [Sample]
    public var test: [Sample]

    public init(train: [Sample], test: [Sample]) {
        self.train = train
        self.test = test
    }
}

extension DatasetSplit: Sendable where Sample: Sendable {}

public enum DatasetSplitter {
    /// In-domain split: within each family, in list order, every `period`-th sample (the
    /// 5th, 10th, ... for the default 5) is held out for testing.
    public static func holdOutEveryNth<S: FamilySample>(_ samples: [S], period: Int = 5) throws -> DatasetSplit<S> {
        guard period >= 2 else { throw SplitError(description: "the hold-out period must be at least 2, not \(period)") }
        var seenInFamily: [String: Int] = [:]
        var split = DatasetSplit<S>(train: [], test: [])
        for sample in samples {
            let position = seenInFamily[sample.family, default: 0] + 1
            seenInFamily[sample.family] = position
            if position % period == 0 { split.test.append(sample) } else { split.train.append(sample) }
        }
        guard !split.test.isEmpty else {
            throw SplitError(description: "no family has \(period) samples, so nothing is held out")
        }
        return split
    }

    /// Unseen-family split: test on `family`, train on all the others.
    public static func leaveFamilyOut<S: FamilySample>(_ samples: [S], family: String) throws -> DatasetSplit<S> {
        let split = DatasetSplit(train: samples.filter { $0.family != family },
                                 test: samples.filter { $0.family == family })
        guard !split.test.isEmpty else {
            let known = FamilyFilter.familiesInOrder(samples)
            throw SplitError(description: "there is no family '\(family)' to leave out; families: \(known.joined(separator: ", "))")
        }
        guard !split.train.isEmpty else {
            throw SplitError(description: "leaving out '\(family)' leaves nothing to train on")
        }
        return split
    }

    /// A seeded random validation split (`--val-split F`): `fraction` of the samples
    /// (rounded, at least one, never all) go to `test`.
    public static func randomFraction<S>(_ samples: [S], fraction: Double, seed: UInt64) throws -> DatasetSplit<S> {
        guard fraction > 0, fraction < 1 else {
            throw SplitError(description: "the validation fraction must be between 0 and 1 (exclusive), not \(fraction)")
        }
        guard samples.count >= 2 else {
            throw SplitError(description: "a validation split needs at least 2 samples, there are \(samples.count)")
        }
        let testCount = min(samples.count - 1, max(1, Int((fraction * Double(samples.count)).rounded())))
        var generator = SplitMix64(seed: seed)
        var order = Array(samples.indices)
        order.shuffle(using: &generator)
        let testIndices = Set(order.prefix(testCount))
        var split = DatasetSplit<S>(train: [], test: [])
        for (index, sample) in samples.enumerated() {
            if testIndices.contains(index) { split.test.append(sample) } else { split.train.append(sample) }
        }
        return split
    }
}
