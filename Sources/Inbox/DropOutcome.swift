import Foundation

/// What the processor decided for one drop.
package enum DropOutcome: Sendable, Equatable {
    /// Processed: the file goes to `done/` with `resultJSON` as `<name>.result.json`.
    /// `hash` (the content hash) is logged when present.
    case done(resultJSON: Data, hash: String?)
    /// Unusable: the file goes to `failed/` with `reason` in `<name>.error.txt`. Write the
    /// reason for a lab technician: what is wrong with the file and what to do about it.
    case failed(reason: String)
    /// Not yet (e.g. a measurement whose network has not arrived): the file stays in
    /// `.work/` and is handed over again after `delay`. The processor decides when to give
    /// up, from `ClaimedDrop.claimedAt` and `retries`, by answering `.failed`.
    case retryLater(reason: String, delay: Duration)
}
