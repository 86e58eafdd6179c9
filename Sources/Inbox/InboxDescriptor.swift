/// What the service needs to know about one inbox folder (the daemon builds these from the
/// YAML config).
package struct InboxDescriptor: Sendable, Equatable {
    /// The inbox's name in the config; used in logs and results.
    package var name: String
    /// The folder watched; `.work/`, `done/` and `failed/` are created inside it.
    package var path: String
    /// The platform whose latency is predicted for drops here.
    package var platform: String
    /// The batch sizes to predict at.
    package var batchSizes: [Int]
    /// Lower-case file extensions accepted (without dot, e.g. "onnx", "json", "yaml").
    /// A drop with another extension goes to `failed/` before the processor sees it.
    /// Empty means: let the processor decide.
    package var acceptedExtensions: Set<String>

    package init(name: String, path: String, platform: String, batchSizes: [Int],
         acceptedExtensions: Set<String> = ["onnx", "json", "yaml", "yml"]) {
        self.name = name
        self.path = path
        self.platform = platform
        self.batchSizes = batchSizes
        self.acceptedExtensions = acceptedExtensions
    }
}
