import ArgumentParser

/// The one rule for a command that could not do its work (a config that will not load, a
/// store that will not open, a missing graph): throw this. ArgumentParser prints
/// `Error: <description>` and exits 1, without the usage text. `ValidationError` is kept
/// for wrong arguments (exit 64 with the usage), never for run-time failures.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }

    /// Runs `body`; a failure that is not already an argument error, an exit code or a
    /// `CommandFailure` becomes one, in its own words.
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
