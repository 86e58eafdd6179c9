/// A sample that belongs to a named family (a network family such as "resnet"); splits
/// and per-family reports group by it.
public protocol FamilySample {
    var family: String { get }
}

/// Family include/exclude filtering shared by the data set types.
enum FamilyFilter {
    static func familiesInOrder<S: FamilySample>(_ samples: [S]) -> [String] {
        var seen = Set<String>()
        return samples.compactMap { seen.insert($0.family).inserted ? $0.family : nil }
    }

    static func apply<S: FamilySample>(_ samples: [S], include: [String]?, exclude: [String], file: String) throws -> [S] {
        let known = familiesInOrder(samples)
        let knownSet = Set(known)
        for name in (include ?? []) + exclude where !knownSet.contains(name) {
            throw DatasetError(file: file, problem: "has no family '\(name)'; its families are: \(known.joined(separator: ", "))")
        }
        let excluded = Set(exclude)
        let included = include.map(Set.init)
        let kept = samples.filter { sample in
            !excluded.contains(sample.family) && (included?.contains(sample.family) ?? true)
        }
        guard !kept.isEmpty else {
            throw DatasetError(file: file, problem: "no measurements are left after the family filter")
        }
        return kept
    }
}
