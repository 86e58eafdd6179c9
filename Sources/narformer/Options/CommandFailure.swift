/// The one rule for a command that could not do its work (a config that will not load, a
/// store that will not open, a missing graph): throw this. ArgumentParser prints
/// `Error: <description>` and exits 1, without the usage text. `ValidationError` is kept
/// for wrong arguments (exit 64 with the usage), never for run-time failures.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }

    init(description: String) {
        self.description = description
    }
}
