import Engine
import Foundation

/// Drops OpenBLAS to one thread for as long as any retrain runs, then restores the
/// configured count.
///
/// Why: a retrain's thread is niced, but OpenBLAS's worker threads are process-wide and
/// run at the daemon's normal priority. With two BLAS threads, every sgemm of the retrain
/// put half its work on a worker that competed with the prediction path as an equal:
/// `narformer bench retrain-load` measured prediction p99 at 8.9-13.5x its idle value.
/// With one BLAS thread the retrain's arithmetic stays on its niced thread (0.65x in the
/// same probe with OPENBLAS_NUM_THREADS=1). Predictions meanwhile run single-threaded,
/// which costs a burst some throughput but not its latency bound.
///
/// Lowering the count only changes what the next sgemm reads; raising it back to a count
/// the pool was started with does not rebuild the pool, so neither races a running sgemm.
package final class RetrainBLASThreads: @unchecked Sendable {
    package static let shared = RetrainBLASThreads()

    private let lock = NSLock()
    private var running = 0
    private var saved = 1

    package func enter() {
        lock.lock()
        defer { lock.unlock() }
        if running == 0 {
            saved = BLASThreads.current
            BLASThreads.set(1)
        }
        running += 1
    }

    package func leave() {
        lock.lock()
        defer { lock.unlock() }
        running -= 1
        if running == 0 { BLASThreads.set(saved) }
    }
}
