import Foundation

/// A flag one side raises and a training thread polls between steps; a lock because the
/// raising side is an async task and the polling side a plain thread.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false

    init() {}

    func raise() {
        lock.withLock { raised = true }
    }

    var isRaised: Bool {
        lock.withLock { raised }
    }
}
