import Config
import Foundation

/// Finds the default (version 0) latency and accuracy checkpoints.
///
/// Search order: the config's `models.default_latency`/`default_accuracy`; then
/// `$NARFORMER_DEFAULT_MODELS/{latency,accuracy}.safetensors`; then the installed and
/// in-repository places next to the executable. The shipped defaults come from the
/// training work (issue 5); at merge this is pointed at the Engine's public API for them,
/// and `candidates` below is the only place to change.
struct DefaultModelLocator: Sendable {
    enum Kind: String, Sendable {
        case latency
        case accuracy

        var fileName: String { rawValue + ".safetensors" }
    }

    var environment: [String: String]
    /// The directory of the running executable (e.g. `.build/release`).
    var executableDirectory: URL?

    init(environment: [String: String] = ProcessInfo.processInfo.environment,
         executableDirectory: URL? = Bundle.main.executableURL?.deletingLastPathComponent()) {
        self.environment = environment
        self.executableDirectory = executableDirectory
    }

    /// Every place looked at, in order.
    func candidates(_ kind: Kind, models: ModelsConfig) -> [String] {
        var paths: [String] = []
        switch kind {
        case .latency: if let path = models.defaultLatency { paths.append(path) }
        case .accuracy: if let path = models.defaultAccuracy { paths.append(path) }
        }
        if let folder = environment["NARFORMER_DEFAULT_MODELS"], !folder.isEmpty {
            paths.append(folder + "/" + kind.fileName)
        }
        if let exe = executableDirectory {
            // Installed: <prefix>/bin/narformer with <prefix>/share/narformer/models.
            paths.append(exe.deletingLastPathComponent().appendingPathComponent("share/narformer/models/\(kind.fileName)").path)
            // In the repository: .build/<configuration>/narformer with models/ at the root.
            paths.append(exe.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("models/\(kind.fileName)").path)
        }
        paths.append("/usr/share/narformer/models/\(kind.fileName)")
        return paths
    }

    /// The first candidate that is a readable file, or nil.
    func locate(_ kind: Kind, models: ModelsConfig) -> URL? {
        candidates(kind, models: models)
            .first { FileManager.default.isReadableFile(atPath: $0) }
            .map { URL(fileURLWithPath: $0) }
    }
}
