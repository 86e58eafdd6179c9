import ArgumentParser
import Config
import Foundation

/// `--config FILE`, the one place a command finds the daemon's configuration: the option,
/// else `$NARFORMER_CONFIG`, else /etc/narformer/narformer.yaml.
struct ConfigOption: ParsableArguments {
    static let environmentVariable = "NARFORMER_CONFIG"
    static let systemFile = "/etc/narformer/narformer.yaml"

    @Option(name: .shortAndLong,
            help: "The daemon's YAML configuration (default: $NARFORMER_CONFIG, else /etc/narformer/narformer.yaml).")
    var config: String?

    /// The file used, as an absolute path.
    var file: String {
        let chosen = config ?? ProcessInfo.processInfo.environment[Self.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.systemFile
        return URL(fileURLWithPath: chosen).standardizedFileURL.path
    }

    /// sysexits' EX_CONFIG: the unit's `RestartPreventExitStatus=78` keeps systemd from
    /// restarting a daemon whose config cannot work until someone edits it.
    static let configErrorStatus: Int32 = 78

    /// Loads and checks the file. On failure every problem is printed to standard error
    /// (FILE:LINE:COL: key.path: message) and the command exits 78. `checkFileSystem` also
    /// checks the folders it names (the daemon creates and uses them; readers do not).
    func load(checkFileSystem: Bool = false) throws -> NarformerConfig {
        do {
            return try NarformerConfig.load(contentsOf: file, checkFileSystem: checkFileSystem)
        } catch {
            FileHandle.standardError.write(Data("Error: the configuration \(file) is not usable:\n\(error.description)\n".utf8))
            throw ExitCode(Self.configErrorStatus)
        }
    }
}
