import Foundation

/// A model file a retrain starts from or compares with, and the version it stands for
/// (0: the platform's default model).
package struct ModelSource: Sendable, Equatable {
    package var version: Int
    package var url: URL

    package init(version: Int, url: URL) {
        self.version = version
        self.url = url
    }

    /// Whether a model is the default model made for `platform` itself (version 0 whose
    /// checkpoint names the platform): its knowledge is this machine's, from the
    /// measurements it was trained on, not another machine's to be adapted.
    package static func isDefault(version: Int, checkpointPlatform: String, madeFor platform: String) -> Bool {
        version == 0 && checkpointPlatform == platform
    }
}
