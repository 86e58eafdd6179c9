/// What one network import may cost: a node cap and a time budget, and a beat to report
/// that it is still making progress.
///
/// Inboxes are shared with writers who may drop anything, so the daemon imports every
/// network under a budget: a network with more nodes than the cap is refused before its
/// graph is built, and one whose import outlasts the time budget is refused at the next
/// phase (read, build, canonical form, hash). `progress` runs at every phase, so a caller
/// can tell a long import that moves from one that is stuck.
public struct ImportBudget: Sendable {
    public var maxNodes: Int
    /// nil: no time limit (the CLI and the lab, run by a person who can stop them).
    public var timeLimit: Duration?
    public var progress: (@Sendable () -> Void)?

    public init(maxNodes: Int = 1_000_000, timeLimit: Duration? = nil, progress: (@Sendable () -> Void)? = nil) {
        self.maxNodes = maxNodes
        self.timeLimit = timeLimit
        self.progress = progress
    }

    /// No limits beyond the importers' own.
    public static let unlimited = ImportBudget()

    /// The running account of one import.
    struct Meter {
        let budget: ImportBudget
        let name: String
        let started = ContinuousClock.now

        /// Reports progress and throws once the time budget is spent.
        func check(_ phase: String) throws(ImportError) {
            budget.progress?()
            guard let limit = budget.timeLimit else { return }
            let spent = ContinuousClock.now - started
            if spent > limit {
                throw ImportError(.tooLarge, file: name, "importing took longer than the \(Self.describe(limit)) allowed "
                                  + "for one network (stopped after \(phase)); split the network or ask the operator "
                                  + "to raise limits.import_time")
            }
        }

        func checkNodes(_ count: Int) throws(ImportError) {
            guard count > budget.maxNodes else { return }
            throw ImportError(.tooLarge, file: name, "the network has \(count) nodes, more than the \(budget.maxNodes) "
                              + "this daemon imports (limits.network_nodes)")
        }

        private static func describe(_ duration: Duration) -> String {
            let seconds = duration.components.seconds
            return seconds % 60 == 0 && seconds >= 60 ? "\(seconds / 60) min" : "\(seconds) s"
        }
    }
}
