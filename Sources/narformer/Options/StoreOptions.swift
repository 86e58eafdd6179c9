import ArgumentParser
import Config
import Foundation
import Store

/// `--config FILE | --store DIR`, shared by the commands that read the store while the
/// daemon runs (LMDB allows any number of reader processes next to the writer).
struct StoreOptions: ParsableArguments {
    @OptionGroup var configOption: ConfigOption

    @Option(name: .long, help: "The store's folder, instead of reading it from a config.")
    var store: String?

    func validate() throws {
        if configOption.config != nil && store != nil { throw ValidationError("give --config or --store, not both") }
    }

    /// The config, when one is used (not with --store).
    func loadConfig() throws -> NarformerConfig? {
        guard store == nil else { return nil }
        return try configOption.load()
    }

    func storePath(_ config: NarformerConfig?) -> String {
        store.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? config?.store.path ?? ""
    }

    /// Opens the store read-only; a missing store is an error in plain words, not a new store.
    func openStore(_ config: NarformerConfig?) throws -> NarformerStore {
        let folder = StoreFolder(path: storePath(config))
        guard FileManager.default.fileExists(atPath: folder.database.path) else {
            throw CommandFailure("there is no store at \(folder.path) (has the daemon run yet?)")
        }
        do {
            return try NarformerStore(path: folder.path, readOnly: true)
        } catch {
            throw CommandFailure("cannot open the store at \(folder.path): \(error)")
        }
    }
}
