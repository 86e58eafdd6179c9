import Config
import Engine
import Foundation

/// A config's default (version 0) models: `models.default_latency` / `default_accuracy`
/// when the config names them, else the shipped models (a platform's own latency model
/// where one is shipped). Where a default model file is
/// looked for is decided in one place, Engine's `DefaultModels`; this only adds the
/// config's choice in front.
package struct DefaultModelLocator: Sendable {
    package var environment: [String: String]

    package init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Every place looked at, in order.
    package func candidates(_ kind: ModelConfig.Kind, models: ModelsConfig, platform: String? = nil) -> [String] {
        DefaultModels.candidates(kind, platform: platform, configured: configured(kind, models), environment: environment)
            .map(\.path)
    }

    /// The first candidate that is a readable file, or nil.
    package func locate(_ kind: ModelConfig.Kind, models: ModelsConfig, platform: String? = nil) -> URL? {
        DefaultModels.locate(kind, platform: platform, configured: configured(kind, models), environment: environment)
    }

    /// The latency models a platform may adapt from: the configured default alone when the
    /// config names one, the platform's own shipped model alone where there is one, else
    /// every shipped platform's model (the `cpu-ort-1t` one first).
    package func latencyPriors(models: ModelsConfig, platform: String) -> [URL] {
        guard let own = locate(.latency, models: models, platform: platform) else { return [] }
        if models.defaultLatency?.isEmpty == false || own.lastPathComponent == DefaultModels.latencyFileName(platform: platform) {
            return [own]
        }
        var seen = Set<String>()
        return ([own] + Self.shippedLatencyPlatforms.compactMap { locate(.latency, models: models, platform: $0) })
            .filter { seen.insert($0.standardizedFileURL.path).inserted }
    }

    /// The platforms a latency model is shipped for.
    package static let shippedLatencyPlatforms = [DefaultModels.latencyPlatform, "cpu-openvino-1t"]

    private func configured(_ kind: ModelConfig.Kind, _ models: ModelsConfig) -> String? {
        kind == .latency ? models.defaultLatency : models.defaultAccuracy
    }
}
