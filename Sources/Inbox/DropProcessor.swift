/// The work done on drops: import, predict, store. The daemon implements it with the
/// engine and the store; tests use fakes.
///
/// The pipeline calls it once per batch of one inbox, with every drop of that inbox that
/// was ready (up to the configured batch size and byte budget), so an implementation can
/// pack one engine batch per call. Inboxes are served side by side, so calls for
/// different inboxes may run at the same time (on the inboxes' own threads): shared state
/// must be safe for that (the daemon's is: actors, mutexes and LMDB's single writer).
/// Never two calls at once for one inbox. It must return exactly one outcome per drop, in
/// the same order; a missing outcome is treated as `.retryLater`. `ClaimedDrop.progress`
/// should be beaten while long work moves.
package protocol DropProcessor: Sendable {
    func process(_ drops: [ClaimedDrop]) async -> [DropOutcome]

    /// What the opening of this drop must show (by its kind, the file extension) before the
    /// rest is read; nil: no look ahead, the whole file is read.
    func openingCheck(for drop: DropName) -> OpeningCheck?
}

extension DropProcessor {
    package func openingCheck(for drop: DropName) -> OpeningCheck? { nil }
}
