import Foundation

/// A thread of its own for one inbox's drops, as a task executor: the synchronous work of
/// a drop (reading, importing, storing) runs here instead of in Swift's shared pool of
/// one thread per core, so a slow drop in one inbox occupies its own thread and leaves the
/// pool (other inboxes, the watcher, the daemon's timers) free.
///
/// Jobs run one after the other, in the order given. `stop()` lets the thread end once
/// the jobs given so far have run; a job that still comes after that (a task finishing
/// its last hop) runs on a shared thread, so no task is ever left waiting.
package final class LaneThread: TaskExecutor, @unchecked Sendable {
    // Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private var ended = false
    private let condition = NSCondition()

    package init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        if ended {
            condition.unlock()
            let executor = asUnownedTaskExecutor()
            DispatchQueue.global().async { job.runSynchronously(on: executor) }
            return
        }
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    package func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                ended = true
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
