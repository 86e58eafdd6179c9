/// A command that could not do its work (a store that will not open, a missing graph):
/// ArgumentParser prints `Error: <description>` and exits 1, without the usage text that
/// a `ValidationError` (a wrong argument) brings.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}
