import Config
import Engine
import Foundation

/// Finds the default (version 0) latency and accuracy checkpoints.
///
/// Search order: the config's `models.default_latency`/`default_accuracy`; then
/// `$NARFORMER_DEFAULT_MODELS/{latency,accuracy}.safetensors`; then the shipped models
/// as Engine's `DefaultModels` finds them; then /usr/share/narformer/models.
struct DefaultModelLocator: Sendable {
    enum Kind: String, Sendable {
        case latency
        case accuracy

        var fileName: String { rawValue + ".safetensors" }
    }

    var environment: [String: String]

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
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
        // The shipped models (Engine's `DefaultModels`: next to the binary as SwiftPM
        // resources, an FHS install, or the source tree), then the system-wide folder.
        switch kind {
        case .latency: if let url = DefaultModels.latencyURL { paths.append(url.path) }
        case .accuracy: if let url = DefaultModels.accuracyURL { paths.append(url.path) }
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
