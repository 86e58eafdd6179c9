/// What the drop protocol needs to know about one inbox folder (the daemon builds these
/// from the YAML config).
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
    /// How arrivals are noticed.
    package var watching: Watching

    /// How the daemon notices what arrives in an inbox.
    package enum Watching: Sendable, Equatable {
        /// inotify reports each arrival; the whole inbox is also scanned every `rescan`,
        /// for anything inotify did not report.
        case inotify(rescan: Duration)
        /// No inotify (a network file system, where it does not see what other machines
        /// write): the inbox is scanned every `interval`.
        case poll(interval: Duration)

        /// inotify, with a scan every five minutes.
        package static let standard = Watching.inotify(rescan: .seconds(300))

        /// How often the whole inbox is scanned.
        package var scanInterval: Duration {
            switch self {
            case .inotify(let rescan): rescan
            case .poll(let interval): interval
            }
        }

        package var usesInotify: Bool {
            if case .inotify = self { return true }
            return false
        }
    }

    package init(name: String, path: String, platform: String, batchSizes: [Int],
         acceptedExtensions: Set<String> = ["onnx", "json", "yaml", "yml"], watching: Watching = .standard) {
        self.name = name
        self.path = path
        self.platform = platform
        self.batchSizes = batchSizes
        self.acceptedExtensions = acceptedExtensions
        self.watching = watching
    }
}
