/// The part of the drop work that handles measurement drops (`.yaml`, `.yml`).
///
/// The serving side's `DropProcessor` hands every measurement drop of a batch to one of
/// these and the rest to its prediction path. Same contract as `DropProcessor`: one outcome
/// per drop, in order; called from one task at a time.
///
/// Engineer "serve" declares the same protocol in Sources/Daemon/Serve; the lead keeps one.
protocol MeasurementIntake: Sendable {
    func process(_ drops: [ClaimedDrop]) async -> [DropOutcome]
}
