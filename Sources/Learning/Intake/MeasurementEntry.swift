import Foundation

/// One measured record of a measurement drop, as written by the lab (checked for form
/// and plausibility, not yet resolved to a stored graph).
package struct MeasurementEntry: Sendable, Equatable {
    /// How the record names the network it measured.
    package enum NetworkReference: Sendable, Equatable {
        /// A file name in the same inbox (waiting, being processed, or in `done/`).
        case file(String)
        /// The 64-hex content hash of a graph already in the store.
        case hash(String)
        /// A NAS-Bench-201 cell arch string.
        case cell(String)
    }

    package var network: NetworkReference
    package var platform: String
    package var batchSize: Int
    package var latencyMs: Double
    /// nil when the lab did not say; stored as 1970-01-01 ("unknown") so that the same file
    /// dropped twice stores its measurements once.
    package var measuredAt: Date?
    /// Free text: the device, runtime, threads.
    package var device: String?
    /// 1-based line of the record in its file, for messages.
    package var line: Int
}
