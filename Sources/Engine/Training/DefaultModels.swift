import Foundation

/// The models narformer ships, and the one place that decides where a default model file
/// is: latency models for platforms `cpu-ort-1t` and `cpu-openvino-1t` and a NAS-Bench-201
/// CIFAR-10 accuracy model, found without any flag.
///
/// A platform's default latency model is `latency-<platform>.safetensors` where one is
/// shipped (or put in one of the folders below), else `latency-cpu-ort-1t.safetensors`,
/// the model every other platform starts from.
///
/// They are SwiftPM resources of the Engine target (`Sources/Engine/DefaultModels`),
/// which SwiftPM copies next to the executable as `narformer_Engine.resources/`, and
/// `make install` copies to `<prefix>/share/narformer/models`. Looked up, first match wins:
/// 1. the file a config names (`models.default_latency` / `default_accuracy`);
/// 2. `$NARFORMER_MODELS/<file>` (an installation that keeps them elsewhere);
/// 3. `<folder of the executable>/narformer_Engine.resources/DefaultModels/<file>`
///    (`swift build` output, or an install that copies that folder beside the binary);
/// 4. `<folder of the executable>/../share/narformer/models/<file>` (`make install`);
/// 5. the source tree this binary was built from (development).
/// `Bundle.module` is not used: it traps when the bundle is missing, and an installed
/// binary without its models must fail with a message instead.
public enum DefaultModels {
    public static let latencyFileName = "latency-cpu-ort-1t.safetensors"
    public static let accuracyFileName = "accuracy-nb201-cifar10.safetensors"
    /// The platform the default latency model was measured on.
    public static let latencyPlatform = "cpu-ort-1t"
    /// The environment variable naming a folder that holds the default model files.
    public static let folderVariable = "NARFORMER_MODELS"

    public static func fileName(for kind: ModelConfig.Kind) -> String {
        kind == .latency ? latencyFileName : accuracyFileName
    }

    /// The file name of `platform`'s own default latency model, when the name can be one
    /// (letters, digits, `.`, `_`, `-`; no path).
    public static func latencyFileName(platform: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !platform.isEmpty, !platform.hasPrefix("."), platform.allSatisfy(allowed.contains) else { return nil }
        return "latency-\(platform).safetensors"
    }

    /// The first readable candidate for `kind` (for `platform`'s latency when given), or nil.
    public static func locate(_ kind: ModelConfig.Kind, platform: String? = nil, configured: String? = nil,
                              environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        candidates(kind, platform: platform, configured: configured, environment: environment)
            .first { FileManager.default.isReadableFile(atPath: $0.path) }
    }

    /// The default model's file for `kind`, or an error listing where it was looked for.
    public static func url(for kind: ModelConfig.Kind, platform: String? = nil, configured: String? = nil,
                           environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let found = locate(kind, platform: platform, configured: configured, environment: environment) { return found }
        throw TrainingError("the default \(kind.rawValue) model \(fileName(for: kind)) is not installed; looked in: "
            + candidates(kind, platform: platform, configured: configured, environment: environment).map(\.path)
                .joined(separator: ", ")
            + " (set \(folderVariable) to its folder or pass --model)")
    }

    /// Loads the default model of `kind`.
    public static func load(_ kind: ModelConfig.Kind) throws -> TrainedModel {
        try TrainedModel.load(from: url(for: kind))
    }

    /// Every place looked at for `kind`, in order: the configured file, then in each folder
    /// `platform`'s own latency model before the common one (a model made for the platform
    /// beats one made for another machine, wherever both are).
    public static func candidates(_ kind: ModelConfig.Kind, platform: String? = nil, configured: String? = nil,
                                  environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        var names = [fileName(for: kind)]
        if kind == .latency, let platform, platform != latencyPlatform, let own = latencyFileName(platform: platform) {
            names.insert(own, at: 0)
        }
        return candidates(names: names, configured: configured, environment: environment)
    }

    /// The first readable place of another shipped file (the NAS-Bench-201 cell priors),
    /// looked for where the models are.
    public static func locate(fileNamed name: String,
                              environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        candidates(names: [name], configured: nil, environment: environment)
            .first { FileManager.default.isReadableFile(atPath: $0.path) }
    }

    /// Every place looked at for a shipped file called `name`, in order.
    public static func candidates(fileNamed name: String,
                                  environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        candidates(names: [name], configured: nil, environment: environment)
    }

    private static func candidates(names: [String], configured: String?, environment: [String: String]) -> [URL] {
        var out: [URL] = []
        if let configured, !configured.isEmpty { out.append(URL(fileURLWithPath: configured)) }
        if let folder = environment[folderVariable], !folder.isEmpty {
            for name in names { out.append(URL(fileURLWithPath: folder, isDirectory: true).appendingPathComponent(name)) }
        }
        let executableFolder = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        let folders = [Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent(), executableFolder]
        for folder in folders.compactMap({ $0 }) {
            for name in names {
                out.append(folder.appendingPathComponent("narformer_Engine.resources/DefaultModels/\(name)"))
                out.append(folder.appendingPathComponent("../share/narformer/models/\(name)").standardizedFileURL)
            }
        }
        for name in names { out.append(sourceFolder.appendingPathComponent(name)) }
        var seen = Set<String>()
        return out.filter { seen.insert($0.path).inserted }
    }

    /// `Sources/Engine/DefaultModels` of the checkout this file was compiled from.
    static var sourceFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DefaultModels", isDirectory: true)
    }
}
