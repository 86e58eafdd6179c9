import ArgumentParser
import Config
import Daemon

/// `narformer config check|show FILE`: validate a config before the daemon sees it, and
/// show what it resolves to.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a YAML config file, or show it with every default filled in.",
        subcommands: [Check.self, Show.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print OK or every problem in the file (FILE:LINE:COL: key.path: message); exit 1 on problems."
        )

        @Argument(help: "The config file.")
        var file: String

        @Flag(help: "Do not look at the disk (for checking a production config on another machine).")
        var skipPaths = false

        func run() throws {
            let check = NarformerConfig.check(contentsOf: file, checkFileSystem: !skipPaths)
            for line in check.reportLines {
                print(line)
            }
            if check.config == nil {
                throw ExitCode.failure
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the config with defaults filled in and paths made absolute."
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case yaml, json
        }

        @Argument(help: "The config file.")
        var file: String

        @Option(help: "yaml or json.")
        var format: Format = .yaml

        @Flag(help: "Do not look at the disk.")
        var skipPaths = false

        func run() throws {
            let check = NarformerConfig.check(contentsOf: file, checkFileSystem: !skipPaths)
            guard let config = check.config else {
                for line in check.reportLines {
                    print(line)
                }
                throw ExitCode.failure
            }
            do {
                print(try format == .yaml ? config.renderedYAML() : config.renderedJSON(), terminator: "")
                if format == .json { print() }
            } catch {
                print("\(file): cannot render the config: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
