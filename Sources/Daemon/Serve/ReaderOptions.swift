import ArgumentParser
import Config
import Foundation
import Store

/// `--config FILE | --store DIR`, shared by the commands that read the store while the
/// daemon runs (LMDB allows any number of reader processes next to the writer).
struct ReaderOptions: ParsableArguments {
    static let defaultConfigFile = ProcessInfo.processInfo.environment["NARFORMER_CONFIG"] ?? "/etc/narformer/narformer.yaml"

    @Option(name: .long, help: "The daemon's YAML configuration (default: $NARFORMER_CONFIG or /etc/narformer/narformer.yaml).")
    var config: String?

    @Option(name: .long, help: "The store's folder, instead of reading it from a config.")
    var store: String?

    func validate() throws {
        if config != nil && store != nil { throw ValidationError("give --config or --store, not both") }
    }

    /// The config, when one is used (not with --store).
    func loadConfig() throws -> NarformerConfig? {
        guard store == nil else { return nil }
        do {
            return try NarformerConfig.load(contentsOf: config ?? Self.defaultConfigFile, checkFileSystem: false)
        } catch {
            throw CommandFailure(description: "the configuration is not usable:\n\(error.description)")
        }
    }

    func storePath(_ config: NarformerConfig?) -> String {
        store.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? config?.store.path ?? ""
    }

    /// Opens the store read-only; a missing store is an error in plain words, not a new store.
    func openStore(_ config: NarformerConfig?) throws -> NarformerStore {
        let path = storePath(config)
        guard FileManager.default.fileExists(atPath: path + "/data.mdb") else {
            throw CommandFailure(description: "there is no store at \(path) (has the daemon run yet?)")
        }
        do {
            return try NarformerStore(path: path, readOnly: true)
        } catch {
            throw CommandFailure(description: "cannot open the store at \(path): \(error)")
        }
    }
}
