import Foundation

/// The models narformer ships: a latency model for platform `cpu-ort-1t` and a
/// NAS-Bench-201 CIFAR-10 accuracy model, found without any flag.
///
/// They are SwiftPM resources of the Engine target (`Sources/Engine/DefaultModels`),
/// which SwiftPM copies next to the executable as `narformer_Engine.resources/`.
/// Looked up, first match wins:
/// 1. `$NARFORMER_MODELS/<file>` (an installation that keeps them elsewhere);
/// 2. `<folder of the executable>/narformer_Engine.resources/DefaultModels/<file>`
///    (`swift build` output, or an install that copies that folder beside the binary);
/// 3. `<folder of the executable>/../share/narformer/models/<file>` (an FHS install);
/// 4. the source tree this binary was built from (development).
/// `Bundle.module` is not used: it traps when the bundle is missing, and an installed
/// binary without its models must fail with a message instead.
public enum DefaultModels {
    public static let latencyFileName = "latency-cpu-ort-1t.safetensors"
    public static let accuracyFileName = "accuracy-nb201-cifar10.safetensors"
    /// The platform the default latency model was measured on.
    public static let latencyPlatform = "cpu-ort-1t"

    public static var latencyURL: URL? { locate(latencyFileName) }
    public static var accuracyURL: URL? { locate(accuracyFileName) }

    /// The default model's file for `kind`, or an error listing where it was looked for.
    public static func url(for kind: ModelConfig.Kind,
                           environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let name = kind == .latency ? latencyFileName : accuracyFileName
        let places = candidates(name, environment: environment)
        if let found = places.first(where: { FileManager.default.isReadableFile(atPath: $0.path) }) { return found }
        throw TrainingError("the default \(kind.rawValue) model \(name) is not installed; looked in: "
            + places.map(\.path).joined(separator: ", ") + " (set NARFORMER_MODELS to its folder or pass --model)")
    }

    /// Loads the default model of `kind`.
    public static func load(_ kind: ModelConfig.Kind) throws -> TrainedModel {
        try TrainedModel.load(from: url(for: kind))
    }

    static func locate(_ name: String) -> URL? {
        candidates(name, environment: ProcessInfo.processInfo.environment)
            .first { FileManager.default.isReadableFile(atPath: $0.path) }
    }

    static func candidates(_ name: String, environment: [String: String]) -> [URL] {
        var out: [URL] = []
        if let folder = environment["NARFORMER_MODELS"], !folder.isEmpty {
            out.append(URL(fileURLWithPath: folder, isDirectory: true).appendingPathComponent(name))
        }
        let executableFolder = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        let folders = [Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent(), executableFolder]
        for folder in folders.compactMap({ $0 }) {
            out.append(folder.appendingPathComponent("narformer_Engine.resources/DefaultModels/\(name)"))
            out.append(folder.appendingPathComponent("../share/narformer/models/\(name)").standardizedFileURL)
        }
        out.append(sourceFolder.appendingPathComponent(name))
        var seen = Set<String>()
        return out.filter { seen.insert($0.path).inserted }
    }

    /// `Sources/Engine/DefaultModels` of the checkout this file was compiled from.
    static var sourceFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DefaultModels", isDirectory: true)
    }
}
