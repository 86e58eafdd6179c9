/// The work done on drops: import, predict, store. The daemon implements it with the
/// engine and the store; tests use fakes.
///
/// The pipeline calls it from one task only, one call at a time, with every drop that was
/// ready (up to the configured batch size), so an implementation can pack one engine batch
/// per call and needs no locking of its own. It must return exactly one outcome per drop,
/// in the same order; a missing outcome is treated as `.retryLater`.
package protocol DropProcessor: Sendable {
    func process(_ drops: [ClaimedDrop]) async -> [DropOutcome]
}
