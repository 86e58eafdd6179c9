import Inbox

/// Where `.yaml`/`.yml` measurement drops go. The prediction processor hands every
/// measurement drop of a batch to one intake call and files what it answers.
///
/// The daemon's intake is `LearningServices` (which hands the drops to
/// `MeasurementDropProcessor`); `DisabledMeasurementIntake` fails every measurement drop.
/// Same calling rules as `DropProcessor`: calls for different inboxes may run at the same
/// time, exactly one outcome per drop, in order.
package protocol MeasurementIntake: Sendable {
    func process(_ drops: [ClaimedDrop]) async -> [DropOutcome]
}

/// The intake of a build without continual learning: every measurement drop fails with a
/// note saying so (the file is kept in `failed/`, so nothing is lost).
package struct DisabledMeasurementIntake: MeasurementIntake {
    package init() {}

    package func process(_ drops: [ClaimedDrop]) async -> [DropOutcome] {
        drops.map { _ in
            .failed(reason: "measurement drops are not enabled in this build. "
                    + "The file is kept here; drop it again once measurements are enabled.")
        }
    }
}
