/// Drops of one batch that are the same network (same content hash), for one platform and
/// batch size: the network is predicted once, for its first drop, and every other drop of
/// it gets that same prediction (and the same notes about it). The store keeps one
/// prediction per network, so two drops of one network must never answer with two numbers.
struct SameNetworkDrops {
    private var firstDrop: [String: Int] = [:]
    /// (first drop, later drop of the same network), in the order they were met.
    private var copies: [(first: Int, copy: Int)] = []

    /// True when `work` is a later drop of a network met before (it is then not predicted
    /// itself); false for the first drop of each network.
    mutating func isCopy(_ work: Int, of hash: String) -> Bool {
        if let first = firstDrop[hash] {
            copies.append((first, work))
            return true
        }
        firstDrop[hash] = work
        return false
    }

    /// Hands what was decided for each first drop to its copies: `give` copies the
    /// prediction (or failure) over; notes the first drop got that the copy lacks are added.
    func share(into networks: inout [NetworkWork], _ give: (NetworkWork, inout NetworkWork) -> Void) {
        for (first, copy) in copies {
            give(networks[first], &networks[copy])
            for note in networks[first].notes where !networks[copy].notes.contains(note) {
                networks[copy].notes.append(note)
            }
        }
    }
}
